import { expect, test } from "./support/fixtures";
import { podman } from "./support/host";
import { arrivedAt, open } from "./support/ui";

const REGISTRY = "127.0.0.1:5000";

/** The seed's website: a web server on the external network `internal`, restarted always, on port 8080. */
function website(tag: string): string {
  return [
    "services:",
    "  web:",
    `    image: ${REGISTRY}/demo/web:${tag}`,
    "    restart: always",
    "    ports:",
    '      - "8080:8080"',
    "    networks: [internal]",
    "networks:",
    "  internal:",
    "    external: true",
    "",
  ].join("\n");
}

/** What the published port answers now, or null when nothing listens. */
async function served(request: import("@playwright/test").APIRequestContext): Promise<string | null> {
  try {
    const response = await request.get("http://127.0.0.1:8080/", { timeout: 2_000 });
    return await response.text();
  } catch {
    return null;
  }
}

/** Waits on a deployment's page until it ended, and says how. */
async function deploymentEnds(page: import("@playwright/test").Page, outcome: string) {
  await arrivedAt(page, /^\/stacks\/[^/]+\/deployments\/\d+$/);
  // Hydrated, the steps stream in; without JavaScript, the page reloads itself until done.
  await expect(page.getByTestId("deployment-outcome")).toHaveText(outcome, { timeout: 45_000 });
}

test("the website stack is written in the editor, deployed, redeployed and taken down", async ({ page, request }) => {
  const name = `site-${test.info().project.name}`;
  try {
    podman("network", "create", "internal");
  } catch {
    // It exists already (an earlier test or the seed made it).
  }
  try {
    await open(page, "/stacks/new");
    await page.getByTestId("stack-name").fill(name);
    await page.getByTestId("compose").fill(website("v1"));
    await expect(page.getByTestId("deploy-now")).toBeChecked();
    await page.getByTestId("create").click();
    await deploymentEnds(page, "ok");
    await expect(page.getByTestId("deployment-log")).toContainText(`Created ${name}_web_1`);
    await expect.poll(() => served(request), { timeout: 15_000 }).toBe("berth-demo-web v1");
    expect(podman("inspect", "--format", "{{.HostConfig.RestartPolicy.Name}}", `${name}_web_1`)).toBe("always");

    await open(page, `/stacks/${name}`);
    await expect(page.getByTestId("stack-state")).toHaveText("running");
    const row = page.locator('[data-testid=service-row][data-service="web"]');
    await expect(row.getByTestId("service-state")).toHaveText("running");

    await page.getByTestId("edit").click();
    await arrivedAt(page, `/stacks/${name}/edit`);
    await expect(page.getByTestId("compose")).toHaveValue(website("v1"));
    await page.getByTestId("compose").fill(website("v2"));
    await page.getByTestId("save").click();
    await deploymentEnds(page, "ok");
    await expect(page.getByTestId("deployment-summary")).toContainText("1 recreated");
    await expect.poll(() => served(request), { timeout: 15_000 }).toBe("berth-demo-web v2");

    await open(page, `/stacks/${name}`);
    await page.getByTestId("down").click();
    await arrivedAt(page, `/stacks/${name}?confirm=down`);
    await page.getByTestId("confirm-down").getByRole("button", { name: "Down", exact: true }).click();
    await deploymentEnds(page, "ok");
    await expect.poll(() => served(request), { timeout: 15_000 }).toBeNull();
    expect(podman("ps", "-aq", "--filter", `label=com.docker.compose.project=${name}`)).toBe("");
    expect(podman("network", "exists", "internal")).toBe("");
  } finally {
    podman("ps", "-aq", "--filter", `label=com.docker.compose.project=${name}`)
      .split("\n")
      .filter((id) => id !== "")
      .forEach((id) => podman("rm", "-f", id));
  }
});

test("a compose file with problems is refused with their line, and nothing is saved", async ({ page }) => {
  const name = `bad-${test.info().project.name}`;
  await open(page, "/stacks/new");
  await page.getByTestId("stack-name").fill(name);
  await page.getByTestId("compose").fill("services:\n  web:\n    image: x\n    mystery: 1\n");
  await page.getByTestId("deploy-now").uncheck();
  await page.getByTestId("create").click();
  await expect(page.getByTestId("form-error")).toContainText("mystery");
  await expect(page.getByTestId("form-error")).toContainText("line 4");
  await open(page, `/stacks/${name}`);
  await expect(page.getByTestId("stack-gone")).toBeVisible();
});
