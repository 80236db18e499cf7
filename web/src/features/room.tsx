import { useEffect, useMemo } from "preact/hooks";
import type { Me } from "../api";
import type { Section } from "../app";
import { Board } from "../board";
import { t } from "../i18n";
import { type ConnStatus, LiveRoom } from "../live";
import { Chat } from "./chat";
import { Neighbours } from "./neighbours";
import { notice } from "./notice";
import { Pinboard } from "./pinboard";
import { ticketPulse } from "./tickets/state";
import { Tickets } from "./tickets/tickets";

const STATUS_TEXT: Record<ConnStatus, Parameters<typeof t>[0]> = {
  connecting: "connConnecting",
  online: "connOnline",
  offline: "connOffline",
  reconnecting: "connReconnecting",
  ended: "connEnded",
};

/** One building's live view: loads its pages over HTTP, then follows the room's events. */
export function RoomView({
  buildingId,
  me,
  section,
}: {
  buildingId: string;
  me: Me;
  section: Exclude<Section, "manage">;
}) {
  const { board, live } = useMemo(() => {
    const board = new Board(buildingId, me.roles.managedBuildingIds.includes(buildingId));
    const live = new LiveRoom(buildingId, {
      event: (seq, e) => board.apply(seq, e),
      resync: () => board.load(),
      roster: (profiles, online) => board.setRoster(profiles, online),
      presence: (users) => board.applyPresence(users),
      typing: (scope, userId) => board.noteTyping(scope, userId),
      ticket: (event) => {
        ticketPulse.value = event;
      },
      error: (code) => {
        notice.value = code === "RATE_LIMITED" ? t("errorRateLimited") : t("errorGeneric");
      },
    });
    return { board, live };
  }, [buildingId]);

  useEffect(() => {
    let stopped = false;
    board
      .load()
      .then((head) => {
        if (!stopped) live.start(head);
      })
      .catch(() => {
        notice.value = t("errorGeneric");
      });
    return () => {
      stopped = true;
      live.stop();
    };
  }, [board, live]);

  const status = live.status.value;
  return (
    <>
      <p class={`conn conn-${status}`} role="status" data-status={status}>
        {t(STATUS_TEXT[status])}
      </p>
      {notice.value ? (
        <p class="notice" role="alert">
          {notice.value}{" "}
          <button type="button" class="link" onClick={() => (notice.value = "")}>
            ×
          </button>
        </p>
      ) : null}
      {section === "pinboard" ? <Pinboard board={board} live={live} me={me} /> : null}
      {section === "chat" ? <Chat board={board} live={live} me={me} /> : null}
      {section === "neighbours" ? <Neighbours board={board} live={live} me={me} /> : null}
      {section === "tickets" ? <Tickets buildingId={buildingId} me={me} live={status} /> : null}
    </>
  );
}
