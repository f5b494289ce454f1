import fs from "node:fs";
import path from "node:path";
import { expect } from "@playwright/test";
import { berth } from "./env";
import { currentStep, totp } from "./totp";

/** A Berth account a test knows the secrets of. */
export interface Account {
  username: string;
  password: string;
  role: "admin" | "operator" | "viewer";
  /** The base32 TOTP key, once two-factor is on. */
  secret?: string;
  /** The recovery codes shown at enrolment (the unused ones). */
  recoveryCodes?: string[];
}

/** Files under end2end/.state/, written by the setup project. */
export const statePaths = {
  dir: berth.stateDir,
  admin: path.join(berth.stateDir, "admin.json"),
  adminStorage: path.join(berth.stateDir, "admin.storage.json"),
  steps: path.join(berth.stateDir, "totp-steps.json"),
  counter: path.join(berth.stateDir, "counter.json"),
};

function readJson<T>(file: string, fallback: T): T {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return fallback;
    throw error;
  }
}

function writeJson(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, JSON.stringify(value, null, 2) + "\n", { mode: 0o600 });
  fs.renameSync(temp, file);
}

/** Starts a run's state from nothing (the setup project does this first). */
export function resetState(): void {
  fs.rmSync(statePaths.dir, { recursive: true, force: true });
  fs.mkdirSync(statePaths.dir, { recursive: true, mode: 0o700 });
}

export function saveAdmin(admin: Account): void {
  writeJson(statePaths.admin, admin);
}

/** The first admin, as the setup project created it. */
export function loadAdmin(): Account {
  const admin = readJson<Account | null>(statePaths.admin, null);
  if (!admin) throw new Error(`${statePaths.admin} is missing: the "setup" project did not run`);
  return admin;
}

/**
 * A number never handed out before in this run (shared by every worker through a file;
 * the tests run one at a time).
 */
export function nextNumber(): number {
  const state = readJson<{ next: number }>(statePaths.counter, { next: 1 });
  writeJson(statePaths.counter, { next: state.next + 1 });
  return state.next;
}

/**
 * A client address of its own for a test or a browser context: Berth trusts 127.0.0.1
 * as a proxy (see env.ts), so this is the address its throttle counts. TEST-NET-2,
 * then TEST-NET-3, then TEST-NET-1 (RFC 5737).
 */
export function nextClientIp(): string {
  const n = nextNumber() - 1;
  const nets = ["198.51.100", "203.0.113", "192.0.2"];
  const net = nets[Math.floor(n / 254)];
  if (!net) throw new Error("out of documentation addresses for this run");
  return `${net}.${(n % 254) + 1}`;
}

/** A user name no other test of this run uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${nextNumber()}`;
}

/** Remembers that a TOTP step of this user was used (Berth refuses it, and older ones, again). */
export function recordStep(username: string, step: number): void {
  const steps = readJson<Record<string, number>>(statePaths.steps, {});
  steps[username] = Math.max(steps[username] ?? 0, step);
  writeJson(statePaths.steps, steps);
}

/**
 * A TOTP code Berth will accept for this account now: from a time step later than any
 * used so far. Waits (polling the clock, with a deadline) for the next step when the
 * current one is used up.
 */
export async function freshCode(account: Account): Promise<string> {
  if (!account.secret) throw new Error(`${account.username} has no TOTP secret`);
  const steps = readJson<Record<string, number>>(statePaths.steps, {});
  const last = steps[account.username] ?? -1;
  await expect
    .poll(currentStep, { message: `a TOTP step newer than ${last} for ${account.username}`, timeout: 45_000, intervals: [250] })
    .toBeGreaterThan(last);
  const step = currentStep();
  recordStep(account.username, step);
  return totp(account.secret, step);
}

/** A strong password for a new account. */
export function newPassword(): string {
  return `correct horse battery ${nextNumber()} ${Math.random().toString(36).slice(2)}`;
}
