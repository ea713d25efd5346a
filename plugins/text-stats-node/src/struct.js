// Conversion between google.protobuf.Struct and plain JavaScript values. The well-known types come
// from protobufjs' built-in definitions, whose field names are camelCase (stringValue, ...) even
// with keepCase; with `oneofs: true` a decoded Value names its set member in `kind`.

const KINDS = ['nullValue', 'numberValue', 'stringValue', 'boolValue', 'structValue', 'listValue'];

/** Converts a decoded google.protobuf.Value to a plain JavaScript value. */
export function fromValue(value) {
  if (value === null || value === undefined) {
    return null;
  }
  // A decoded Value names its member in `kind`; a Value built in code (toValue) has only the member.
  const kind = value.kind ?? KINDS.find((member) => value[member] !== undefined && value[member] !== null);
  switch (kind) {
    case 'stringValue':
      return value.stringValue;
    case 'numberValue':
      return value.numberValue;
    case 'boolValue':
      return value.boolValue;
    case 'structValue':
      return fromStruct(value.structValue);
    case 'listValue':
      return (value.listValue?.values ?? []).map(fromValue);
    default:
      return null;
  }
}

/** Converts a decoded google.protobuf.Struct to a plain object (an absent Struct becomes {}). */
export function fromStruct(struct) {
  const result = {};
  for (const [key, value] of Object.entries(struct?.fields ?? {})) {
    result[key] = fromValue(value);
  }
  return result;
}

/** Converts a plain JavaScript value to a google.protobuf.Value message object. */
export function toValue(value) {
  if (value === null || value === undefined) {
    return { nullValue: 'NULL_VALUE' };
  }
  if (typeof value === 'string') {
    return { stringValue: value };
  }
  if (typeof value === 'number') {
    return { numberValue: value };
  }
  if (typeof value === 'boolean') {
    return { boolValue: value };
  }
  if (Array.isArray(value)) {
    return { listValue: { values: value.map(toValue) } };
  }
  if (typeof value === 'object') {
    return { structValue: toStruct(value) };
  }
  return { stringValue: String(value) };
}

/** Converts a plain object to a google.protobuf.Struct message object. */
export function toStruct(object) {
  const fields = {};
  for (const [key, value] of Object.entries(object ?? {})) {
    fields[key] = toValue(value);
  }
  return { fields };
}
