export { TextPrompter, resolveFindOptions, FIND_DEFAULTS, type FindOptions, type FoundObject, type FindTimings } from './text-prompter.js';
export { loadDetector, type LoadDetectorOptions } from './load-detector.js';
export { parsePhrases } from './phrases.js';
export { nmsPerLabel, boxIou } from './nms.js';
export type { TextDetector, Detection, DetectOptions, DetectorFamily, XyxyBox } from './detector.js';
