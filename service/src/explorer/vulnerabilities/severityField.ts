/** Reading a scanner's severity field, with the field's path when the word is not a severity. */
import { VulnerabilityDocumentError, type JsonLocation } from './documentError';
import { asString } from './read';
import { normaliseSeverity, type Severity } from './severity';

/**
 * The normalised severity of a field; an absent field is `unknown`.
 * @throws VulnerabilityDocumentError when the field is not a string or not a severity word.
 */
export function readSeverity(value: unknown, at: JsonLocation): Severity {
  if (value === undefined || value === null) return 'unknown';
  const word = asString(value, at);
  const severity = normaliseSeverity(word);
  if (severity === undefined) {
    throw new VulnerabilityDocumentError(at, `"${word}" is not a severity (expected critical, high, medium, low, negligible or unknown)`);
  }
  return severity;
}
