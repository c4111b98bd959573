// Public entry of the apply stage: server-side apply, drift correction and pruning of a revision.
export {
  type ApplyOutcome,
  type ApplyRequest,
  applyRevision,
  DIGEST_ANNOTATION,
  desiredObject,
  extraFieldsPatch,
  FIELD_MANAGER,
  SOURCE_LABEL,
} from './apply.js';
