/**
 * Websocket frames built once and written to any number of connections. The live feeds send the
 * same alert to many clients; `ws` would convert the text and build a header for every one of
 * them, so the hub builds the complete frame (RFC 6455 §5.2: FIN, text opcode, unmasked as
 * server frames are, then the payload) once and hands the same bytes to every socket.
 */

/** A complete unmasked websocket text frame carrying `payload` (UTF-8). */
export function textFrame(payload: string): Buffer {
  const length = Buffer.byteLength(payload);
  const header = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = 0x81; // FIN + opcode 1 (text)
  if (header === 2) frame[1] = length;
  else if (header === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  frame.write(payload, header, 'utf8');
  return frame;
}

/** The payload of a frame built by textFrame (a view, not a copy). */
export function framePayload(frame: Buffer): Buffer {
  const marker = frame[1]! & 0x7f;
  return frame.subarray(marker < 126 ? 2 : marker === 126 ? 4 : 10);
}
