import { useEffect } from "preact/hooks";
import { ApiError } from "../api";
import type { AnnouncementView, Board } from "../board";
import { formatTime, t } from "../i18n";
import { notice } from "./notice";

/** Pinned announcements from the manager (R-M2), with acknowledgement where it is required. */
export function Announcements({ board }: { board: Board }) {
  const pinned = board.announcements.value.filter((a) => a.pinned);
  if (pinned.length === 0) return null;
  return (
    <section aria-label={t("announcements")} class="announcements">
      <h2>{t("announcements")}</h2>
      <ul class="feed">
        {pinned.map((a) => (
          <AnnouncementItem key={a.id} a={a} board={board} />
        ))}
      </ul>
    </section>
  );
}

function AnnouncementItem({ a, board }: { a: AnnouncementView; board: Board }) {
  useEffect(() => {
    void board.markRead(a.id);
  }, [a.id]);
  const open = a.ackRequired && a.unitsToAcknowledge.some((u) => !a.acknowledgedUnitIds.includes(u));
  const ack = async () => {
    try {
      await board.acknowledge(a.id);
    } catch (e) {
      notice.value = e instanceof ApiError ? `${t("errorGeneric")} (${e.code})` : t("errorGeneric");
    }
  };
  return (
    <li class="post announcement" data-announcement-id={a.id}>
      <article>
        <h3>{a.title}</h3>
        <p class="meta">
          <span class="author">{a.authorName}</span> · <time dateTime={a.publishedAt}>{formatTime(a.publishedAt)}</time>
        </p>
        <p class="body">{a.body}</p>
        {open ? (
          <button type="button" onClick={() => void ack()}>
            {t("acknowledge")}
          </button>
        ) : a.ackRequired ? (
          <p class="meta">{t("acknowledged")}</p>
        ) : null}
      </article>
    </li>
  );
}
