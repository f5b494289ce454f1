import http2 from "node:http2";
import { berth } from "./support/env";
import { expect, test } from "./support/fixtures";
import { nextClientIp } from "./support/state";

// No browser involved (a raw HTTP/2 client): runs in the "hydrated" project only.
test("the Origin check holds over HTTP/2, which browsers use with Berth", async () => {
  const post = (origin: string | undefined) =>
    new Promise<number>((resolve, reject) => {
      const session = http2.connect(berth.url, { rejectUnauthorized: false });
      session.on("error", reject);
      const headers: http2.OutgoingHttpHeaders = {
        ":method": "POST",
        ":path": "/api/login",
        "content-type": "application/x-www-form-urlencoded",
        "x-forwarded-for": nextClientIp(),
      };
      if (origin) headers.origin = origin;
      const stream = session.request(headers);
      stream.on("response", (h) => {
        resolve(Number(h[":status"]));
        stream.close();
        session.close();
      });
      stream.on("error", reject);
      stream.end("username=nobody&password=not+a+password&next=%2F");
    });
  expect(await post("https://127.0.0.1:1"), "another port's Origin").toBe(403);
  expect(await post(berth.url), "Berth's own Origin").not.toBe(403);
});
