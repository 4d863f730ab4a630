export { comparePaths, diffProfiles, diffValues, leaves } from "./diff.js";
export { DEFAULT_DRAIN_POLICY, drainPolicy, osImage } from "./drain.js";
export { loadProfileFile } from "./file.js";
export {
  classifyMacro,
  findMacros,
  type MacroMatch,
  type MacroRef,
  macroReferences,
  transitiveReferences,
  unusedVariableWarnings,
} from "./macros.js";
export {
  ACCEPTED_FORMATS,
  inferDistribution,
  inferPackLayer,
  isPaletteExport,
  parseLayerValues,
  parseProfile,
} from "./parse.js";
export {
  distributionSchema,
  layerSchema,
  layersSchema,
  type ProfileFile,
  paletteExportSchema,
  profileFileSchema,
} from "./schema.js";
export type {
  Layer,
  LayerDiff,
  LeafChange,
  LoadOptions,
  Mapping,
  Profile,
  ProfileDiff,
  Value,
} from "./types.js";
export { lookup, parsePath, yamlTextMapping } from "./values.js";
