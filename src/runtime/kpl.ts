import { deaggregateSync } from 'aws-kinesis-agg';
import type { StreamRecord } from './consume-batch.js';

/** The four bytes every KPL-aggregated record starts with. */
const KPL_MAGIC = [0xf3, 0x89, 0x9a, 0xc2];

const isAggregated = (data: Uint8Array): boolean =>
  data.byteLength > 20 && KPL_MAGIC.every((byte, i) => data[i] === byte);

/**
 * A record packed by the Kinesis Producer Library holds many user records (contract §1): each is one
 * event, at the enclosing record's sequence number and its own sub-sequence. Unpacked with awslabs'
 * aws-kinesis-agg; a record that claims to be an aggregate and does not decode (or fails its MD5
 * checksum) is invalid, with the reason, and never thrown.
 */
export function unpackAggregated(
  record: StreamRecord,
): StreamRecord[] | { reason: 'bad_shape'; message: string } {
  if (!isAggregated(record.data)) return [record];
  let failure: Error | undefined;
  let users: { subSequenceNumber: number; data: string }[] = [];
  deaggregateSync(
    {
      data: Buffer.from(record.data).toString('base64'),
      partitionKey: '',
      sequenceNumber: record.sequenceNumber,
      kinesisSchemaVersion: '1.0',
      approximateArrivalTimestamp: record.arrival / 1000,
    },
    true,
    (error, out) => {
      if (error) failure ??= error;
      else users = out ?? [];
    },
  );
  if (failure !== undefined) {
    return {
      reason: 'bad_shape',
      message: `KPL aggregated record could not be unpacked: ${failure.message}`,
    };
  }
  return users.map((u) => ({
    ...record,
    subSequence: u.subSequenceNumber,
    data: Buffer.from(u.data, 'base64'),
  }));
}
