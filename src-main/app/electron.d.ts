/**
 * The part of Electron's API that the lab uses, declared here so that the app type-checks
 * on machines where the electron package (and so its bundled typings) could not be
 * installed — its binary download fails offline and npm drops the optional dependency.
 * Signatures follow electron.d.ts of Electron 45; add to it as the app uses more.
 */
declare module 'electron' {
  interface Event {
    preventDefault(): void;
  }

  interface WebFrameMain {
    url: string;
    readonly top: WebFrameMain | null;
  }

  interface IpcMainInvokeEvent extends Event {
    senderFrame: WebFrameMain | null;
    sender: WebContents;
  }

  interface IpcRendererEvent extends Event {
    sender: IpcRenderer;
  }

  interface HandlerDetails {
    url: string;
  }

  /** The event of `will-frame-navigate`: which frame goes where. */
  interface WillFrameNavigateEvent extends Event {
    url: string;
    isMainFrame: boolean;
  }

  interface WebContents {
    id: number;
    send(channel: string, ...args: unknown[]): void;
    isDestroyed(): boolean;
    getURL(): string;
    mainFrame: WebFrameMain;
    setWindowOpenHandler(
      handler: (details: HandlerDetails) => { action: 'deny' } | { action: 'allow' },
    ): void;
    on(event: 'will-navigate', listener: (event: Event, url: string) => void): this;
    on(event: 'will-redirect', listener: (event: Event, url: string) => void): this;
    on(event: 'will-frame-navigate', listener: (event: WillFrameNavigateEvent) => void): this;
    on(event: 'will-attach-webview', listener: (event: Event) => void): this;
    on(event: string, listener: (...args: unknown[]) => void): this;
    openDevTools(): void;
    reload(): void;
    executeJavaScript(code: string): Promise<unknown>;
  }

  interface BrowserWindowConstructorOptions {
    width?: number;
    height?: number;
    minWidth?: number;
    minHeight?: number;
    show?: boolean;
    title?: string;
    icon?: string;
    backgroundColor?: string;
    webPreferences?: {
      preload?: string;
      contextIsolation?: boolean;
      sandbox?: boolean;
      nodeIntegration?: boolean;
      webSecurity?: boolean;
      allowRunningInsecureContent?: boolean;
      webviewTag?: boolean;
      spellcheck?: boolean;
    };
  }

  class BrowserWindow {
    constructor(options?: BrowserWindowConstructorOptions);
    static getAllWindows(): BrowserWindow[];
    webContents: WebContents;
    loadFile(
      filePath: string,
      options?: { query?: Record<string, string>; hash?: string },
    ): Promise<void>;
    loadURL(url: string): Promise<void>;
    show(): void;
    focus(): void;
    restore(): void;
    isMinimized(): boolean;
    isDestroyed(): boolean;
    close(): void;
    on(event: 'ready-to-show' | 'closed', listener: () => void): this;
    once(event: 'ready-to-show' | 'closed', listener: () => void): this;
  }

  interface MenuItemConstructorOptions {
    label?: string;
    role?: string;
    type?: 'normal' | 'separator' | 'submenu' | 'checkbox' | 'radio';
    accelerator?: string;
    click?: () => void;
    submenu?: MenuItemConstructorOptions[];
    enabled?: boolean;
  }

  class Menu {
    static buildFromTemplate(template: MenuItemConstructorOptions[]): Menu;
    static setApplicationMenu(menu: Menu | null): void;
  }

  interface App {
    whenReady(): Promise<void>;
    requestSingleInstanceLock(): boolean;
    quit(): void;
    exit(code?: number): void;
    getPath(name: 'userData' | 'appData' | 'home' | 'temp' | 'documents'): string;
    getVersion(): string;
    isPackaged: boolean;
    on(event: 'second-instance' | 'window-all-closed' | 'activate', listener: () => void): this;
    on(event: 'before-quit' | 'will-quit', listener: (event: Event) => void): this;
    on(
      event: 'web-contents-created',
      listener: (event: Event, contents: WebContents) => void,
    ): this;
  }

  interface OnHeadersReceivedResponse {
    responseHeaders?: Record<string, string | string[]>;
    cancel?: boolean;
  }

  interface WebRequest {
    onHeadersReceived(
      listener: (
        details: { url: string; responseHeaders?: Record<string, string[]> },
        callback: (response: OnHeadersReceivedResponse) => void,
      ) => void,
    ): void;
  }

  interface CustomScheme {
    scheme: string;
    privileges?: {
      standard?: boolean;
      secure?: boolean;
      bypassCSP?: boolean;
      allowServiceWorkers?: boolean;
      supportFetchAPI?: boolean;
      corsEnabled?: boolean;
      stream?: boolean;
      codeCache?: boolean;
    };
  }

  interface Protocol {
    /** Only before the app's `ready` event. */
    registerSchemesAsPrivileged(customSchemes: CustomScheme[]): void;
    handle(scheme: string, handler: (request: Request) => Response | Promise<Response>): void;
    unhandle(scheme: string): void;
  }

  interface Session {
    webRequest: WebRequest;
    protocol: Protocol;
    setPermissionCheckHandler(
      handler:
        | ((
            webContents: WebContents | null,
            permission: string,
            requestingOrigin: string,
          ) => boolean)
        | null,
    ): void;
    setDevicePermissionHandler(handler: ((details: unknown) => boolean) | null): void;
    setPermissionRequestHandler(
      handler:
        | ((
            webContents: WebContents,
            permission: string,
            callback: (granted: boolean) => void,
          ) => void)
        | null,
    ): void;
  }

  interface IpcMain {
    handle(
      channel: string,
      listener: (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown,
    ): void;
    removeHandler(channel: string): void;
  }

  interface IpcRenderer {
    invoke(channel: string, ...args: unknown[]): Promise<unknown>;
    on(channel: string, listener: (event: IpcRendererEvent, ...args: unknown[]) => void): this;
    removeListener(
      channel: string,
      listener: (event: IpcRendererEvent, ...args: unknown[]) => void,
    ): this;
  }

  /** Renderer side (preload): the path of a File from a drop or an <input type=file>. */
  interface WebUtils {
    getPathForFile(file: File): string;
  }

  interface ContextBridge {
    exposeInMainWorld(apiKey: string, api: unknown): void;
  }

  interface Shell {
    openExternal(url: string): Promise<void>;
    showItemInFolder(fullPath: string): void;
  }

  interface Dialog {
    showErrorBox(title: string, content: string): void;
    showOpenDialog(options: {
      properties?: ('openFile' | 'multiSelections')[];
      filters?: { name: string; extensions: string[] }[];
    }): Promise<{ canceled: boolean; filePaths: string[] }>;
    showSaveDialog(options: {
      defaultPath?: string;
    }): Promise<{ canceled: boolean; filePath?: string }>;
  }

  export const app: App;
  export const ipcMain: IpcMain;
  export const ipcRenderer: IpcRenderer;
  export const contextBridge: ContextBridge;
  export const session: { defaultSession: Session };
  export const protocol: Protocol;
  export const shell: Shell;
  export const dialog: Dialog;
  export const webUtils: WebUtils;
  export { BrowserWindow, Menu };
  export type {
    BrowserWindowConstructorOptions,
    IpcMainInvokeEvent,
    MenuItemConstructorOptions,
    Session,
    WebContents,
    WebFrameMain,
  };
}
