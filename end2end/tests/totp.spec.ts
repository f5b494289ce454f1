import { expect, test } from "@playwright/test";
import { base32Decode, hotp, totp, totpAt } from "./support/totp";

// The tests' own TOTP generator, checked against the RFC before anything relies on it.
// Pure computation: this file runs in the "hydrated" project only.

const RFC_SHA1_SEED = Buffer.from("12345678901234567890", "ascii");

test("the TOTP helper matches RFC 6238 (SHA-1, 8 digits)", () => {
  expect(totpAt(RFC_SHA1_SEED, 59, 8)).toBe("94287082");
  expect(totpAt(RFC_SHA1_SEED, 1_111_111_109, 8)).toBe("07081804");
  expect(totpAt(RFC_SHA1_SEED, 1_234_567_890, 8)).toBe("89005924");
  expect(totpAt(RFC_SHA1_SEED, 20_000_000_000, 8)).toBe("65353130");
});

test("the HOTP underneath matches RFC 4226's table", () => {
  const expected = ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"];
  expected.forEach((code, counter) => expect(hotp(RFC_SHA1_SEED, counter)).toBe(code));
});

test("base32 decodes as RFC 4648 says, and a base32 secret gives the same codes", () => {
  expect(base32Decode("MZXW6YTBOI======").toString("ascii")).toBe("foobar");
  expect(base32Decode("mzxw6ytb oi").toString("ascii")).toBe("foobar");
  const secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"; // base32 of the RFC seed
  expect(base32Decode(secret).equals(RFC_SHA1_SEED)).toBe(true);
  expect(totp(secret, 1)).toBe("287082");
  expect(() => base32Decode("not base32!")).toThrow();
});
