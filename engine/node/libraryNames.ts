/**
 * Names under which the data folder keeps networks (models/NAME) and styles (styles/NAME): a folder
 * name on every system, never a half-written folder (`NAME.partial-…`, see writeFolderAtomically).
 */
export function isLibraryName(value: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(value) && !value.includes('.partial-') && !value.includes('.previous-');
}

/**
 * A value that means a file or folder rather than a name in the library: it has a path separator, starts with a dot or
 * names a .json file.
 */
export function looksLikePath(value: string): boolean {
  return value.includes('/') || value.includes('\\') || value.endsWith('.json') || value.startsWith('.');
}
