import http from "node:http";
import type { AddressInfo } from "node:net";
import { berth } from "./support/env";
import { expect, signedOut, test } from "./support/fixtures";
import { type Account, nextClientIp } from "./support/state";
import { addUser, open, signInWithPassword, where } from "./support/ui";

// Cross-site request forgery: a page on another origin (here another loopback port)
// that posts a form to Berth is refused with 403 before anything happens.
test.use({ storageState: signedOut });

/** An attacker's site on 127.0.0.1:<random port>, serving the given pages. */
async function foreignSite(pages: Record<string, string>): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const body = pages[req.url ?? ""];
    res.writeHead(body === undefined ? 404 : 200, { "content-type": "text/html; charset=utf-8" });
    res.end(body ?? "not here");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A page whose form posts these fields to Berth by itself (or on a click, without JavaScript). */
function autoPost(action: string, fields: Record<string, string>): string {
  const inputs = Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${name}" value="${value.replace(/"/g, "&quot;")}">`)
    .join("");
  return `<!doctype html><title>Free prizes</title>
<form method="post" action="${berth.url}${action}">${inputs}<button type="submit">Claim</button></form>
<script>document.forms[0].submit()</script>`;
}

/** Visits the foreign page and returns Berth's answer to its form post. */
async function postFromForeignPage(page: import("@playwright/test").Page, url: string, path: string, javaScriptEnabled: boolean) {
  const answered = page.waitForResponse((r) => r.url() === `${berth.url}${path}` && r.request().method() === "POST");
  await page.goto(url);
  if (!javaScriptEnabled) await page.getByRole("button", { name: "Claim" }).click();
  return answered;
}

test("a cross-site form can't sign the user out", async ({ page, browser, javaScriptEnabled }) => {
  const viewer = await addUser(browser, "viewer", "csrf-out");
  await signInWithPassword(page, viewer);
  const site = await foreignSite({ "/": autoPost("/api/logout", {}) });
  try {
    const response = await postFromForeignPage(page, `${site.url}/`, "/api/logout", javaScriptEnabled);
    expect(response.status()).toBe(403);
    expect(await response.text()).toContain("Cross-site request refused.");
  } finally {
    await site.close();
  }
  await open(page, "/");
  await expect(page.getByTestId("whoami")).toHaveText(viewer.username);
});

test("a cross-site form can't sign the browser in (login CSRF)", async ({ page, browser, javaScriptEnabled }) => {
  const viewer: Account = await addUser(browser, "viewer", "csrf-in");
  const site = await foreignSite({
    "/": autoPost("/api/login", { username: viewer.username, password: viewer.password, next: "/" }),
  });
  try {
    const response = await postFromForeignPage(page, `${site.url}/`, "/api/login", javaScriptEnabled);
    expect(response.status()).toBe(403);
  } finally {
    await site.close();
  }
  await page.goto("/");
  expect(where(page)).toBe("/login?next=/");
});

test.describe("without Sec-Fetch-Site, the Origin decides", () => {
  test("over HTTP/1.1", async ({ playwright }) => {
    const request = await playwright.request.newContext({
      baseURL: berth.url,
      ignoreHTTPSErrors: true,
      storageState: signedOut,
      extraHTTPHeaders: { "X-Forwarded-For": nextClientIp() },
    });
    try {
      const form = { username: "nobody", password: "not a password", next: "/" };
      const none = await request.post("/api/login", { form, maxRedirects: 0 });
      expect(none.status(), "no Origin at all").toBe(403);
      const foreign = await request.post("/api/login", { form, maxRedirects: 0, headers: { Origin: "https://127.0.0.1:1" } });
      expect(foreign.status(), "another port's Origin").toBe(403);
      const own = await request.post("/api/login", { form, maxRedirects: 0, headers: { Origin: berth.url } });
      expect(own.status(), "Berth's own Origin").not.toBe(403);
    } finally {
      await request.dispose();
    }
  });

});
