// Public entry of the waypoint's TLS side: the mesh CA store, the leaf minter behind SNICallback,
// and the system trust store helpers.
export {
  defaultCaDir,
  MeshCa,
  type MeshCaOptions,
  type RetiredCa,
  type RotateOptions,
  systemCaPem,
} from './ca.js';
export { TlsError, type TlsErrorCode } from './errors.js';
export { LeafMinter, type LeafMinterOptions, normalizeServerName } from './leaf.js';
