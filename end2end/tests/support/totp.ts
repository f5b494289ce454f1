import { createHmac } from "node:crypto";

/** RFC 6238 TOTP as Berth uses it: SHA-1, 6 digits, 30-second steps. */
export const STEP_SECONDS = 30;
export const DIGITS = 6;

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** Decodes RFC 4648 base32 (case-insensitive; padding, spaces and dashes ignored). */
export function base32Decode(text: string): Buffer {
  const clean = text.toUpperCase().replace(/[\s=-]/g, "");
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const char of clean) {
    const index = BASE32.indexOf(char);
    if (index < 0) throw new Error(`not base32: ${JSON.stringify(char)} in ${JSON.stringify(text)}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** RFC 4226 HOTP of a counter. */
export function hotp(key: Buffer, counter: number, digits = DIGITS): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac("sha1", key).update(message).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, "0");
}

/** The time step of a unix time (seconds). */
export function stepAt(unixSeconds: number): number {
  return Math.floor(unixSeconds / STEP_SECONDS);
}

/** The current time step. */
export function currentStep(): number {
  return stepAt(Date.now() / 1000);
}

/** The code of one time step for a raw key. */
export function codeForStep(key: Buffer, step: number, digits = DIGITS): string {
  return hotp(key, step, digits);
}

/** The TOTP code at a unix time for a raw key. */
export function totpAt(key: Buffer, unixSeconds: number, digits = DIGITS): string {
  return hotp(key, stepAt(unixSeconds), digits);
}

/** The code for a base32 secret in a given step (default: now). */
export function totp(secretBase32: string, step = currentStep()): string {
  return codeForStep(base32Decode(secretBase32), step);
}
