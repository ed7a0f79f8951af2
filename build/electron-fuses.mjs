// electron-builder's afterPack hook (build/electron-builder.yml): flips Electron's fuses for a release
// build — RunAsNode, NODE_OPTIONS and --inspect off, asar-only loading with integrity checks on — as
// electron/node/electronFuses.ts says, from its build in dist (`npm run dist` runs `npm run build` first).
// electron-builder 25 has no `electronFuses` option of its own; 26 has, with the same names.
export async function afterPack(context) {
  const { flipReleaseFuses } = await import('../dist/electron/node/electronFuses.js');
  await flipReleaseFuses(context);
}
