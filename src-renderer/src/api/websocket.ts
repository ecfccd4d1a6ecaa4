/** The WebSocket transport lives in src-shared (the command line uses it too). */
export {
  createWebSocketTransport,
  type SocketLike,
  type WebSocketTransportOptions,
} from '../../../src-shared/api/websocket-transport.ts';
