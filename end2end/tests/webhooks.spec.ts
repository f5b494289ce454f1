import { execFileSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { type APIRequestContext, type Page } from "@playwright/test";
import { expect, test } from "./support/fixtures";
import { berth } from "./support/env";
import { podman } from "./support/host";
import { loadAdmin } from "./support/state";
import { arrivedAt, confirmItsMe, open } from "./support/ui";

const REGISTRY = "127.0.0.1:5000";

/** Publishes demo/web:<version> as <repo>:live in the local registry, as CI would push a new build. */
function publish(repo: string, version: string) {
  podman("tag", `${REGISTRY}/demo/web:${version}`, `${REGISTRY}/${repo}:live`);
  podman("push", "--tls-verify=false", `${REGISTRY}/${repo}:live`);
}

async function served(request: APIRequestContext, port: number): Promise<string | null> {
  try {
    return await (await request.get(`http://127.0.0.1:${port}/`, { timeout: 2_000 })).text();
  } catch {
    return null;
  }
}

/** The `run: |` script of a workflow step and its env, as a runner would see them. */
function runnerScript(step: string): { script: string; url: string } {
  const lines = step.split("\n");
  const url = lines.find((l) => l.trim().startsWith("BERTH_HOOK_URL:"))!.split("BERTH_HOOK_URL:")[1].trim();
  const start = lines.findIndex((l) => l.trim() === "run: |");
  expect(start).toBeGreaterThan(0);
  const body = lines.slice(start + 1).filter((l) => l.trim() !== "");
  const indent = Math.min(...body.map((l) => l.length - l.trimStart().length));
  return { script: body.map((l) => l.slice(indent)).join("\n") + "\n", url };
}

async function deployed(page: Page) {
  await arrivedAt(page, /^\/stacks\/[^/]+\/deployments\/\d+$/);
  await expect(page.getByTestId("deployment-outcome")).toHaveText("ok", { timeout: 45_000 });
}

test("the page's GitHub Actions step, run as a runner would, redeploys the new image; a failing deploy fails the call", async ({ page, request }) => {
  test.setTimeout(180_000);
  const project = test.info().project.name;
  const name = `hook-${project}`;
  const repo = `demo/site-${project}`;
  const port = project === "no-js" ? 18431 : 18430;
  publish(repo, "v1");
  try {
    await open(page, "/stacks/new");
    await page.getByTestId("stack-name").fill(name);
    await page.getByTestId("compose").fill(
      ["services:", "  web:", `    image: ${REGISTRY}/${repo}:live`, "    ports:", `      - "${port}:8080"`, ""].join("\n"),
    );
    await page.getByTestId("create").click();
    await deployed(page);
    await expect.poll(() => served(request, port), { timeout: 15_000 }).toBe("berth-demo-web v1");

    // A secret can redeploy the stack: Berth asks who it is first.
    await confirmItsMe(page, loadAdmin(), `/stacks/${name}`);
    await page.getByTestId("webhook-on").click();
    const secret = (await page.getByTestId("webhook-secret").innerText()).trim();
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    const step = await page.getByTestId("webhook-step").innerText();
    const { script, url } = runnerScript(step);
    expect(url).toMatch(new RegExp(`^https://127\\.0\\.0\\.1:${berth.port}/hooks/stacks/[0-9a-f]{32}$`));
    // Shown once: the page read again no longer has it.
    await open(page, `/stacks/${name}`);
    await expect(page.getByTestId("webhook-url")).toHaveText(url);
    await expect(page.getByTestId("webhook-secret")).toHaveCount(0);
    await page.getByTestId("webhook-test").click();
    await expect(page.getByTestId("webhook-message")).toContainText("The webhook answered 200");

    // CI pushed a new build under the same tag, then runs the step.
    publish(repo, "v2");
    const output = execFileSync("bash", ["-c", script], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, BERTH_HOOK_URL: url, BERTH_HOOK_SECRET: secret, GITHUB_RUN_ID: `${Date.now()}`, GITHUB_RUN_ATTEMPT: "1" },
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(JSON.parse(output).outcome).toBe("ok");
    await expect.poll(() => served(request, port), { timeout: 15_000 }).toBe("berth-demo-web v2");

    // A tag that does not exist: the deploy fails, and so does the call.
    const body = JSON.stringify({ ts: Math.floor(Date.now() / 1000), delivery: `fail-${Date.now()}`, images: { web: "no-such-tag" } });
    const signature = "sha256=" + createHmac("sha256", secret).update(body).digest("hex");
    const failed = await request.post(`${url}?wait=true`, {
      headers: { "Content-Type": "application/json", "X-Hub-Signature-256": signature },
      data: body,
      timeout: 120_000,
    });
    expect(failed.status()).toBe(502);
    expect((await failed.json()).outcome).toBe("failed");
    expect(await served(request, port)).toBe("berth-demo-web v2");

    // Both calls are in the stack's history.
    await open(page, `/stacks/${name}`);
    const calls = page.getByTestId("deployment-row").filter({ hasText: "webhook from" });
    await expect(calls).toHaveCount(2);
    await expect(calls.filter({ hasText: "failed" })).toHaveCount(1);
  } finally {
    for (const id of podman("ps", "-aq", "--filter", `label=com.docker.compose.project=${name}`).split("\n").filter(Boolean)) {
      podman("rm", "-f", "-t", "0", id);
    }
  }
});
