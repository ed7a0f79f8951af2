import { mount } from 'svelte';
import App from './App.svelte';
import { webStudioApi } from './api/webStudioApi.js';
import './theme.css';

// Under Electron the preload exposes the same API as window.pastiche; in a browser the web host serves it.
const api =
  (window as { pastiche?: import('../../engine/common/api/studioApi.js').StudioApi }).pastiche ?? webStudioApi();
mount(App, { target: document.getElementById('app')!, props: { api } });
