import { ApiError } from "../../api";
import { t } from "../../i18n";

/** The text for a refused admin action, in the reader's language (the API's own message is English). */
export function failed(e: unknown): string {
  if (!(e instanceof ApiError)) return t("errorGeneric");
  if (e.code === "LAST_ADMIN") return t("errorLastAdmin");
  return `${t("errorGeneric")} (${e.code})`;
}
