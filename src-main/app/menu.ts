/** The application menu: the lab's views with accelerators, editing, zoom, and help. */
import { app, Menu, shell, type BrowserWindow, type MenuItemConstructorOptions } from 'electron';
import { navigate } from './window.ts';

export interface MenuContext {
  window: () => BrowserWindow | null;
  zooPath: () => string | null;
}

const VIEWS: [label: string, hash: string, key: string][] = [
  ['Project', '#/home', '1'],
  ['Design experiment', '#/designer', '2'],
  ['Runs', '#/runs', '3'],
  ['Model', '#/model', '4'],
  ['Planes', '#/planes', '5'],
  ['Compare', '#/compare', '6'],
];

export function buildMenu(context: MenuContext): Menu {
  const go = (hash: string) => () => {
    const window = context.window();
    if (window && !window.isDestroyed()) navigate(window, hash);
  };
  const template: MenuItemConstructorOptions[] = [
    ...(process.platform === 'darwin'
      ? [{ role: 'appMenu' } satisfies MenuItemConstructorOptions]
      : []),
    {
      label: 'File',
      submenu: [
        { label: 'New experiment', accelerator: 'CmdOrCtrl+N', click: go('#/designer') },
        { type: 'separator' },
        {
          label: 'Show zoo file',
          click: () => {
            const path = context.zooPath();
            if (path) shell.showItemInFolder(path);
          },
        },
        { type: 'separator' },
        { role: process.platform === 'darwin' ? 'close' : 'quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        ...VIEWS.map(([label, hash, key]): MenuItemConstructorOptions => ({
          label,
          accelerator: `CmdOrCtrl+${key}`,
          click: go(hash),
        })),
        { type: 'separator' },
        { role: 'reload' },
        ...(app.isPackaged
          ? []
          : [{ role: 'toggleDevTools' } satisfies MenuItemConstructorOptions]),
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'windowMenu' },
  ];
  return Menu.buildFromTemplate(template);
}
