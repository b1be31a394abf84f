export { formatSource, type FormatFailed, type FormatOk, type FormatResult } from './formatSource.js';
