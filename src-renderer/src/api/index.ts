/**
 * The api client for this window: the preload bridge in the desktop app, else a
 * WebSocket to the browser-mode server that served this page (token from the URL).
 */
import { createClient, type LabClient } from './client.ts';
import { createIpcTransport, type LabBridge } from './ipc.ts';
import { createWebSocketTransport } from './websocket.ts';

declare global {
  interface Window {
    mbhLab?: LabBridge;
  }
}

function browserToken(): string {
  const fromUrl = new URLSearchParams(window.location.search).get('token');
  if (fromUrl) {
    sessionStorage.setItem('mbh-lab-token', fromUrl);
    return fromUrl;
  }
  return sessionStorage.getItem('mbh-lab-token') ?? '';
}

function connect(): LabClient {
  if (window.mbhLab) return createClient(createIpcTransport(window.mbhLab));
  const protocol = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  return createClient(
    createWebSocketTransport({
      url: `${protocol}//${window.location.host}/api`,
      token: browserToken(),
    }),
  );
}

export const api: LabClient = connect();
export { ApiError } from '../../../src-shared/api/wire.ts';
export type { LabClient };
