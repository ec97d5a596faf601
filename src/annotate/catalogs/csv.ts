/**
 * A streaming CSV parser (RFC 4180): quoted fields may hold commas, doubled quotes and
 * line breaks; CRLF and LF both end records. Chunks may split a record anywhere.
 */
export class CsvParser {
  private field = '';
  private record: string[] = [];
  private inQuotes = false;
  private quoteSeen = false; // a quote inside a quoted field: either an escaped quote or the field's end
  private lastWasCr = false;

  /** Parses a chunk and returns the records it completed. */
  push(chunk: string): string[][] {
    const out: string[][] = [];
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (this.inQuotes) {
        if (c !== 34) continue;
        this.field += chunk.slice(start, i);
        start = i + 1;
        this.inQuotes = false;
        this.quoteSeen = true;
        continue;
      }
      if (c === 34) {
        // A quote right after a closing quote is an escaped quote: keep one and reopen.
        if (this.quoteSeen && start === i) this.field += '"';
        else this.field += chunk.slice(start, i);
        start = i + 1;
        this.inQuotes = true;
        this.quoteSeen = false;
        continue;
      }
      if (c === 44 || c === 10 || c === 13) {
        this.field += chunk.slice(start, i);
        start = i + 1;
        this.quoteSeen = false;
        if (c === 44) {
          this.record.push(this.field);
          this.field = '';
        } else if (!(c === 10 && this.lastWasCr)) {
          this.endRecord(out);
        }
        this.lastWasCr = c === 13;
        continue;
      }
      this.lastWasCr = false;
      this.quoteSeen = false;
    }
    this.field += chunk.slice(start);
    return out;
  }

  /** Flushes a final record without a trailing newline. */
  end(): string[][] {
    const out: string[][] = [];
    if (this.field !== '' || this.record.length > 0) this.endRecord(out);
    return out;
  }

  private endRecord(out: string[][]): void {
    this.record.push(this.field);
    this.field = '';
    const blank = this.record.length === 1 && this.record[0] === '';
    if (!blank) out.push(this.record);
    this.record = [];
  }
}

/** Reads a CSV text stream (decode bytes with a stream encoding so multi-byte characters never split), calling `onHeader` once and `onRecord` per data record. */
export async function readCsv(
  stream: AsyncIterable<string>,
  onHeader: (header: string[]) => void,
  onRecord: (record: string[]) => void | Promise<void>,
): Promise<void> {
  const parser = new CsvParser();
  let header: string[] | null = null;
  // A record handler may return a promise (e.g. a batch being written): reading waits for it
  // before the next chunk, so a slow consumer holds back the file, not memory.
  const deliver = async (records: string[][]): Promise<void> => {
    for (const record of records) {
      if (header === null) {
        header = record.map((h) => h.trim());
        onHeader(header);
      } else {
        const pending = onRecord(record);
        if (pending) await pending;
      }
    }
  };
  for await (const chunk of stream) await deliver(parser.push(chunk));
  await deliver(parser.end());
}

/** One CSV field (RFC 4180): quoted when it holds a quote, a comma or a line break, quotes doubled. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
