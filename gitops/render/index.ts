// Public entry of the render stage: YAML under a synced path → validated, compiled SemaMesh objects.
export {
  APPLIED_KINDS,
  digestOf,
  formatRenderDiagnostic,
  listYamlFiles,
  objectKey,
  type RenderDiagnostic,
  type RenderedObject,
  type RenderOptions,
  type RenderResult,
  renderDirectory,
} from './render.js';
