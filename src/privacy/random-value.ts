import type { RandomKind } from "./classification";

/** A random value of valid format, so constraints and the UI keep working after erasure. */
export function randomValue(kind: RandomKind): string {
  const r = crypto.randomUUID().replaceAll("-", "");
  switch (kind) {
    case "email":
      return `erased-${r}@erased.invalid`;
    case "name":
      return `Former resident ${r.slice(0, 6)}`;
    case "secret":
      return `erased$${r}`;
    case "text":
      return "";
  }
}
