export {
  importBytes,
  importFile,
  parseImport,
  chooseImporter,
  defaultActor,
  IMPORTERS,
} from './run-import.js';
export type { ImportFileOptions, ImportSummary } from './run-import.js';
export {
  BadRowsError,
  countBadRows,
  ImportFileError,
  describeBadRow,
  IMPORT_FORMATS,
  type BadRow,
  type Importer,
  type ImportFormat,
  type NormalisedImport,
} from './types.js';
export { CSV_COLUMNS } from './csv.js';
