import { expect, test } from "./support/fixtures";
import { containerCount, podman, podmanVersion } from "./support/host";

const IDLE_IMAGE = "127.0.0.1:5000/demo/idle:latest";

test.describe("host overview", () => {
  test("shows the Podman version and container count that podman reports", async ({ page, javaScriptEnabled }) => {
    await page.goto("/");
    if (javaScriptEnabled) {
      await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
    }
    await expect(page).toHaveTitle("Overview · Berth");
    await expect(page.getByTestId("podman-version")).toHaveText(podmanVersion());
    await expect(page.getByTestId("rootless")).toHaveText("yes");
    await expect(page.getByTestId("containers-total")).toHaveText(String(containerCount()));
  });

  test("counts a container created behind its back", async ({ page, javaScriptEnabled }) => {
    await page.goto("/");
    if (javaScriptEnabled) {
      await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
    }
    const before = containerCount();
    await expect(page.getByTestId("containers-total")).toHaveText(String(before));
    const name = `berth-smoke-${test.info().project.name}-${Date.now()}`;
    podman("create", "--name", name, IDLE_IMAGE);
    try {
      expect(containerCount()).toBe(before + 1);
      if (!javaScriptEnabled) {
        // Without JavaScript the page is as fresh as its last load.
        await page.reload();
      }
      // Hydrated, the overview refreshes itself: no reload.
      await expect(page.getByTestId("containers-total")).toHaveText(String(before + 1));
    } finally {
      podman("rm", "-f", name);
    }
  });

  test("answers 404 with a page for an unknown address", async ({ page }) => {
    const response = await page.goto("/no/such/page");
    expect(response?.status()).toBe(404);
    await expect(page.getByRole("heading", { name: "Not found" })).toBeVisible();
  });
});
