import { contextBridge, ipcRenderer } from 'electron';
import { desktopStudioApi } from '../common/desktopStudioApi.js';

// Sandboxed and context-isolated: the page gets this one typed object as window.pastiche, never
// ipcRenderer or Node. Bundled into one CommonJS file because a sandboxed preload cannot load modules.
contextBridge.exposeInMainWorld('pastiche', desktopStudioApi(ipcRenderer));
