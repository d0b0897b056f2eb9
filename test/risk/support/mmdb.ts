import { parseCidr } from '../../../shared/risk/ip.js';

/**
 * A minimal writer of MaxMind DB files (format 2.0: IPv6 tree, 24-bit records, IPv4 under
 * ::/96), so that tests build a tiny geolocation database themselves instead of downloading
 * one. It writes maps, strings, doubles, unsigned integers and arrays: what city and country
 * databases hold. Only for tests; the product only reads such files (package `maxmind`).
 */
type Value = string | number | boolean | Value[] | { [key: string]: Value };

const TYPE = {
  pointer: 1,
  string: 2,
  double: 3,
  uint16: 5,
  uint32: 6,
  map: 7,
  uint64: 9,
  array: 11,
  boolean: 14,
};

function control(type: number, size: number): Buffer {
  const extended = type > 7;
  const head = (extended ? 0 : type) << 5;
  const typeByte = extended ? [type - 7] : [];
  if (size < 29) return Buffer.from([head | size, ...typeByte]);
  if (size < 29 + 256) return Buffer.from([head | 29, ...typeByte, size - 29]);
  if (size < 285 + 65_536) {
    const rest = size - 285;
    return Buffer.from([head | 30, ...typeByte, rest >> 8, rest & 0xff]);
  }
  const rest = size - 65_821;
  return Buffer.from([head | 31, ...typeByte, (rest >> 16) & 0xff, (rest >> 8) & 0xff, rest & 0xff]);
}

function unsigned(type: number, value: number | bigint): Buffer {
  let n = BigInt(value);
  const bytes: number[] = [];
  while (n > 0n) {
    bytes.unshift(Number(n & 0xffn));
    n >>= 8n;
  }
  return Buffer.concat([control(type, bytes.length), Buffer.from(bytes)]);
}

/** Encodes one value of the data section (numbers: integers as uint32, others as doubles). */
export function encodeValue(value: Value, as?: 'uint16' | 'uint32' | 'uint64'): Buffer {
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    return Buffer.concat([control(TYPE.string, bytes.length), bytes]);
  }
  if (typeof value === 'boolean') return control(TYPE.boolean, value ? 1 : 0);
  if (typeof value === 'number') {
    if (as) return unsigned(TYPE[as], value);
    if (Number.isInteger(value) && value >= 0 && value <= 0xffffffff) return unsigned(TYPE.uint32, value);
    const bytes = Buffer.alloc(8);
    bytes.writeDoubleBE(value);
    return Buffer.concat([control(TYPE.double, 8), bytes]);
  }
  if (Array.isArray(value)) {
    return Buffer.concat([control(TYPE.array, value.length), ...value.map((item) => encodeValue(item))]);
  }
  const entries = Object.entries(value);
  return Buffer.concat([
    control(TYPE.map, entries.length),
    ...entries.flatMap(([key, item]) => [encodeValue(key), encodeValue(item)]),
  ]);
}

interface TreeNode {
  id: number;
  records: [TreeNode | number | undefined, TreeNode | number | undefined];
}

/** Builds a database mapping each CIDR range (IPv4 or IPv6) to its record. */
export function buildMmdb(networks: Record<string, Value>, databaseType = 'Gatehouse-Test-City'): Buffer {
  const nodes: TreeNode[] = [];
  const newNode = (): TreeNode => {
    const node: TreeNode = { id: nodes.length, records: [undefined, undefined] };
    nodes.push(node);
    return node;
  };
  const root = newNode();
  const data: Buffer[] = [];
  let dataLength = 0;

  for (const [range, record] of Object.entries(networks)) {
    const cidr = parseCidr(range);
    if (!cidr) throw new Error(`not a CIDR range: ${range}`);
    const bits = cidr.version === 4 ? 96 + cidr.prefix : cidr.prefix;
    const value = cidr.base; // an IPv4 range sits at ::a.b.c.d, under ::/96
    const encoded = encodeValue(record);
    const offset = dataLength;
    data.push(encoded);
    dataLength += encoded.length;
    let node = root;
    for (let i = 0; i < bits; i++) {
      const bit = Number((value >> BigInt(127 - i)) & 1n) as 0 | 1;
      if (i === bits - 1) {
        node.records[bit] = -1 - offset; // data, resolved below
      } else {
        const next = node.records[bit];
        if (typeof next === 'object') node = next;
        else {
          const child = newNode();
          node.records[bit] = child;
          node = child;
        }
      }
    }
  }

  const nodeCount = nodes.length;
  const recordValue = (record: TreeNode | number | undefined): number => {
    if (record === undefined) return nodeCount;
    if (typeof record === 'object') return record.id;
    return nodeCount + 16 + (-1 - record);
  };
  const tree = Buffer.alloc(nodeCount * 6);
  for (const node of nodes) {
    tree.writeUIntBE(recordValue(node.records[0]), node.id * 6, 3);
    tree.writeUIntBE(recordValue(node.records[1]), node.id * 6 + 3, 3);
  }
  const metadata = Buffer.concat([
    control(TYPE.map, 9),
    encodeValue('node_count'),
    encodeValue(nodeCount, 'uint32'),
    encodeValue('record_size'),
    encodeValue(24, 'uint16'),
    encodeValue('ip_version'),
    encodeValue(6, 'uint16'),
    encodeValue('database_type'),
    encodeValue(databaseType),
    encodeValue('languages'),
    encodeValue(['en']),
    encodeValue('binary_format_major_version'),
    encodeValue(2, 'uint16'),
    encodeValue('binary_format_minor_version'),
    encodeValue(0, 'uint16'),
    encodeValue('build_epoch'),
    encodeValue(1_700_000_000, 'uint64'),
    encodeValue('description'),
    encodeValue({ en: 'Gatehouse test database' }),
  ]);
  return Buffer.concat([
    tree,
    Buffer.alloc(16),
    ...data,
    Buffer.from([0xab, 0xcd, 0xef]),
    Buffer.from('MaxMind.com', 'ascii'),
    metadata,
  ]);
}

/** A city record as GeoLite2-City has it (the fields Gatehouse reads). */
export const cityRecord = (country: string, latitude: number, longitude: number): Value => ({
  country: { iso_code: country },
  location: { latitude, longitude },
});
