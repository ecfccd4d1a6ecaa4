// Runs in the sandboxed renderer before the page: exposes only the typed lab bridge.
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { createBridge } from './bridge.ts';

contextBridge.exposeInMainWorld('mbhLab', createBridge(ipcRenderer, webUtils));
