// Entry of the Electron main process: one sandboxed window showing src-renderer, the api over IPC, and
// training through the engine's orchestrator with one utility process per model. The main process itself
// never trains a network, so the window stays responsive.
import './packaged-env';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { app, BrowserWindow, dialog, session, type OpenDialogOptions, type Session } from 'electron';
import { createStudioService, type StudioService } from '../api/service';
import { dataProgressSender, registerIpc, runEventSender } from './ipc';
import { contentSecurityPolicy } from '../api/content-security-policy';
import { isAllowedRequest, type RendererLocation } from './security';
import { utilityLauncher, utilityProcessLauncher } from './utility-launcher';

/** out/main: this file is bundled into out/main/index.js, next to trainer-entry.js and job-entry.js. */
const here = path.dirname(fileURLToPath(import.meta.url));
/** How long quitting waits for running trainers to checkpoint and stop (the orchestrator kills after 3 s). */
const QUIT_GRACE_MS = 10_000;

const rendererIndex = path.join(here, '..', 'renderer', 'index.html');
const devUrl = app.isPackaged ? undefined : process.env.ELECTRON_RENDERER_URL;
const renderer: RendererLocation = devUrl ? { kind: 'dev', url: devUrl } : { kind: 'file', indexUrl: pathToFileURL(rendererIndex).href };

function workspaceDir(): string {
  const dir = process.env.DDCNN_WORKSPACE ? path.resolve(process.env.DDCNN_WORKSPACE) : path.join(app.getPath('userData'), 'workspace');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** No remote content, no permissions, no downloads, and the CSP on every response. */
function hardenSession(ses: Session): void {
  const csp = contentSecurityPolicy({ dev: renderer.kind === 'dev', delivery: 'header' });
  ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.on('will-download', (event) => event.preventDefault());
  ses.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !isAllowedRequest(details.url, renderer) }));
  ses.webRequest.onHeadersReceived((details, callback) => {
    const headers = Object.fromEntries(Object.entries(details.responseHeaders ?? {}).filter(([k]) => k.toLowerCase() !== 'content-security-policy'));
    callback({ responseHeaders: { ...headers, 'Content-Security-Policy': [csp] } });
  });
}

let mainWindow: BrowserWindow | undefined;

function createWindow(): void {
  const win = new BrowserWindow({
    width: 1280,
    height: 860,
    minWidth: 720,
    minHeight: 480,
    show: false,
    title: 'DD-CNN Studio',
    webPreferences: {
      preload: path.join(here, '..', 'preload', 'index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => win.show());
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = undefined;
  });
  mainWindow = win;
  if (renderer.kind === 'dev') void win.loadURL(renderer.url);
  else void win.loadFile(rendererIndex);
}

// Every web contents, present and future: no navigation away from the app, no new windows, no webviews.
app.on('web-contents-created', (_event, contents) => {
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
});

/** The native open dialog behind dialog:pick: one folder (a data set, a DICOM series) or one file. */
async function pickPath(kind: 'folder' | 'file'): Promise<string | null> {
  const options: OpenDialogOptions =
    kind === 'folder'
      ? { title: 'Choose a data set folder or a scan folder', properties: ['openDirectory'] }
      : {
          title: 'Choose a data set file or a scan',
          properties: ['openFile'],
          filters: [
            { name: 'Data sets and scans', extensions: ['npz', 'csv', 'nii', 'gz', 'npy', 'dcm', 'png', 'jpg', 'jpeg', 'pgm'] },
            { name: 'All files', extensions: ['*'] },
          ],
        };
  const result = mainWindow ? await dialog.showOpenDialog(mainWindow, options) : await dialog.showOpenDialog(options);
  return result.canceled ? null : (result.filePaths[0] ?? null);
}

/** Stops running trainers before quitting, so that an interrupted run can be resumed from its checkpoints. */
function stopRunsOnQuit(service: StudioService): void {
  let stopping = false;
  app.on('before-quit', (event) => {
    if (stopping || service.activeRunIds().length === 0) return;
    event.preventDefault();
    stopping = true;
    const grace = new Promise((resolve) => setTimeout(resolve, QUIT_GRACE_MS));
    void Promise.race([service.stopAll(), grace]).finally(() => app.quit());
  });
}

async function main(): Promise<void> {
  // Two instances would train into the same workspace at once; the second hands over to the first.
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  app.enableSandbox();
  app.on('second-instance', () => {
    if (mainWindow?.isMinimized()) mainWindow.restore();
    mainWindow?.focus();
  });
  await app.whenReady();

  hardenSession(session.defaultSession);
  const service = createStudioService({
    workspace: workspaceDir(),
    launcher: utilityLauncher(path.join(here, 'trainer-entry.js')),
    processLauncher: utilityProcessLauncher(here),
    emit: runEventSender(() => mainWindow?.webContents),
    emitDataProgress: dataProgressSender(() => mainWindow?.webContents),
    pickPath,
  });
  registerIpc(service.handlers, renderer);
  stopRunsOnQuit(service);
  createWindow();

  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
  // On macOS the app (and a run in progress) lives on without windows, as Mac apps do.
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
}

main().catch((e: Error) => {
  console.error(`DD-CNN Studio could not start: ${e.stack ?? e.message}`);
  app.exit(1);
});
