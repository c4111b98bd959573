// OPA bundle I/O for the engine: write a deterministic bundle, read and validate an untrusted one.
export { encodeManifest, type Manifest, parseManifest, type WasmResolver } from './manifest.js';
export { bundlePath } from './paths.js';
export { type Bundle, type ReadBundleLimits, readBundle } from './read-bundle.js';
export { checkRoots, packagePath } from './roots.js';
export {
  type BundleContents,
  type BundleModule,
  DATA_PATH,
  MANIFEST_PATH,
  WASM_PATH,
  writeBundle,
} from './write-bundle.js';
