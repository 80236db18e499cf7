import { useSignal } from "@preact/signals";
import { useEffect, useMemo } from "preact/hooks";
import type { Me } from "../api";
import type { Board } from "../board";
import { formatTime, t } from "../i18n";
import { type LiveRoom, newClientId } from "../live";
import { typingNotifier } from "./typing";

/**
 * My Neighbours (R-M8): the resident decides what neighbours see (nothing by default), sees the
 * neighbours who chose to show themselves, their presence only if showing their own, and writes
 * direct messages.
 */
export function Neighbours({ board, live, me }: { board: Board; live: LiveRoom; me: Me }) {
  const talkingTo = useSignal<string | null>(null);
  const others = board.profiles.value.filter((p) => p.userId !== me.id);
  const online = board.online.value;
  return (
    <>
      <MyProfile board={board} live={live} me={me} />
      <section aria-labelledby="neighbours-title">
        <h2 id="neighbours-title">{t("neighboursTitle")}</h2>
        {others.length === 0 ? <p class="empty">{t("neighboursNone")}</p> : null}
        <ul class="feed">
          {others.map((p) => (
            <li key={p.userId} class="post neighbour" data-user-id={p.userId}>
              <p>
                <span class="author">{p.displayName}</span>
                {online ? <span class="meta"> · {online.has(p.userId) ? t("online") : t("away")}</span> : null}
              </p>
              {p.about ? <p class="body">{p.about}</p> : null}
              <button type="button" class="secondary" onClick={() => (talkingTo.value = p.userId)}>
                {t("dmOpen")}
              </button>
            </li>
          ))}
        </ul>
        {online === null ? <p class="meta">{t("presenceHint")}</p> : null}
      </section>
      {talkingTo.value ? (
        <DirectMessages
          key={talkingTo.value}
          board={board}
          live={live}
          me={me}
          withUserId={talkingTo.value}
          name={others.find((p) => p.userId === talkingTo.value)?.displayName ?? ""}
        />
      ) : null}
    </>
  );
}

function MyProfile({ board, live, me }: { board: Board; live: LiveRoom; me: Me }) {
  const mine = board.profiles.value.find((p) => p.userId === me.id);
  const saved = useSignal(false);
  const submit = (e: Event) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const displayName = String(f.get("displayName") ?? "").trim();
    const about = String(f.get("about") ?? "").trim();
    live.send({
      type: "profile.set",
      clientId: newClientId(),
      visible: f.get("visible") === "on",
      showPresence: f.get("showPresence") === "on",
      ...(displayName ? { displayName } : {}),
      ...(about ? { about } : {}),
    });
    saved.value = true;
  };
  return (
    <section aria-labelledby="profile-title">
      <h2 id="profile-title">{t("profileTitle")}</h2>
      <form class="compose" onSubmit={submit}>
        <label class="inline">
          <input type="checkbox" name="visible" defaultChecked={!!mine} /> {t("profileVisible")}
        </label>
        <label for="p-name">{t("profileName")}</label>
        <input id="p-name" name="displayName" maxLength={80} defaultValue={mine?.displayName ?? me.name} />
        <label for="p-about">{t("profileAbout")}</label>
        <textarea id="p-about" name="about" rows={2} maxLength={500} defaultValue={mine?.about ?? ""} />
        <label class="inline">
          <input type="checkbox" name="showPresence" defaultChecked={board.online.value !== null} />{" "}
          {t("profilePresence")}
        </label>
        <button type="submit">{t("save")}</button>
        {saved.value ? (
          <p class="meta" role="status">
            {t("saved")}
          </p>
        ) : null}
      </form>
    </section>
  );
}

function DirectMessages({
  board,
  live,
  me,
  withUserId,
  name,
}: {
  board: Board;
  live: LiveRoom;
  me: Me;
  withUserId: string;
  name: string;
}) {
  const draft = useSignal("");
  useEffect(() => {
    void board.loadDms(withUserId).catch(() => undefined);
  }, [withUserId]);
  const typed = useMemo(() => typingNotifier(live, "dm", withUserId), [withUserId]);
  const thread = board.dms.value[withUserId] ?? [];
  const pending = live.pending.value.filter((w) => w.type === "dm.send" && w.toUserId === withUserId);
  const typing = (board.typing.value[`dm:${withUserId}`] ?? 0) > Date.now();
  const submit = (e: Event) => {
    e.preventDefault();
    const body = draft.value.trim();
    if (!body) return;
    live.send({ type: "dm.send", clientId: newClientId(), toUserId: withUserId, body });
    draft.value = "";
  };
  return (
    <section aria-labelledby="dm-title">
      <h2 id="dm-title">{t("dmWith").replace("{name}", name)}</h2>
      <ol class="chat">
        {thread.map((m) => (
          <li key={m.id} class={m.fromUserId === me.id ? "mine" : undefined}>
            <p class="meta">
              <span class="author">{m.fromName}</span> · <time dateTime={m.createdAt}>{formatTime(m.createdAt)}</time>
            </p>
            <p class="body">{m.body}</p>
          </li>
        ))}
        {pending.map((w) => (
          <li key={w.clientId} class="mine pending">
            <p class="meta">{t("sending")}</p>
            <p class="body">{"body" in w ? w.body : ""}</p>
          </li>
        ))}
      </ol>
      <p class="meta typing" aria-live="polite">
        {typing ? t("isTyping").replace("{name}", name) : ""}
      </p>
      <form class="compose" onSubmit={submit}>
        <label for="dm-input">{t("dmLabel")}</label>
        <input
          id="dm-input"
          maxLength={4000}
          value={draft.value}
          onInput={(e) => {
            draft.value = e.currentTarget.value;
            typed();
          }}
        />
        <button type="submit">{t("send")}</button>
      </form>
    </section>
  );
}
