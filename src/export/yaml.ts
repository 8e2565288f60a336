// YAML text for the container formats, written by hand (no runtime dependency). Pure.

/**
 * A double-quoted YAML scalar: JSON's escapes are YAML's too; characters a YAML reader may take as a
 * line break or drop (NEL, LS, PS, BOM, other C1 controls) are escaped as well.
 */
export function yamlString(value: string): string {
  return JSON.stringify(value).replace(
    /[\u007f-\u009f\u2028\u2029\ufeff]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Compose (`${VAR}` interpolation) and Kubernetes (`$(VAR)` expansion) both read `$$` as one `$`. */
export const escapeDollars = (value: string): string => value.replace(/\$/g, '$$$$');

/** `["a", "b"]` as a YAML flow sequence of quoted strings. */
export const yamlList = (values: readonly string[]): string => `[${values.map(yamlString).join(', ')}]`;
