import { useSignal } from "@preact/signals";
import { useMemo } from "preact/hooks";
import type { Me } from "../api";
import type { Board } from "../board";
import { formatTime, t } from "../i18n";
import { type LiveRoom, newClientId } from "../live";
import { typingNotifier } from "./typing";

/** The building channel (R-M8). */
export function Chat({ board, live, me }: { board: Board; live: LiveRoom; me: Me }) {
  const draft = useSignal("");
  const pending = live.pending.value.filter((w) => w.type === "chat.send");
  const typed = useMemo(() => typingNotifier(live, "chat"), [live]);
  const now = Date.now();
  const typingNames = Object.entries(board.typing.value)
    .filter(([k, until]) => k.startsWith("chat:") && until > now && k !== `chat:${me.id}`)
    .map(([k]) => {
      const id = k.slice(5);
      return (
        board.profiles.value.find((p) => p.userId === id)?.displayName ??
        board.chat.value.find((m) => m.authorId === id)?.authorName
      );
    });
  const submit = (e: Event) => {
    e.preventDefault();
    const body = draft.value.trim();
    if (!body) return;
    live.send({ type: "chat.send", clientId: newClientId(), body });
    draft.value = "";
  };
  return (
    <section aria-label={t("chat")}>
      {board.moreChat.value ? (
        <button type="button" class="secondary" onClick={() => void board.loadOlderChat()}>
          {t("loadMore")}
        </button>
      ) : null}
      <ol class="chat" aria-live="polite">
        {board.chat.value.map((m) => (
          <li key={m.id} class={m.authorId === me.id ? "mine" : undefined} data-message-id={m.id}>
            <p class="meta">
              <span class="author">{m.authorName}</span> · <time dateTime={m.createdAt}>{formatTime(m.createdAt)}</time>
            </p>
            <p class="body">{m.body}</p>
          </li>
        ))}
        {pending.map((w) => (
          <li key={w.clientId} class="mine pending">
            <p class="meta">
              {me.name} · {t("sending")}
            </p>
            <p class="body">{"body" in w ? w.body : ""}</p>
          </li>
        ))}
      </ol>
      {board.chat.value.length === 0 && pending.length === 0 ? <p class="empty">{t("noMessages")}</p> : null}
      <p class="meta typing" aria-live="polite">
        {typingNames.map((n) => (n ? t("isTyping").replace("{name}", n) : t("someoneTyping"))).join(" ")}
      </p>
      <form class="compose" onSubmit={submit}>
        <label for="chat-input">{t("chatLabel")}</label>
        <input
          id="chat-input"
          maxLength={4000}
          placeholder={t("chatPlaceholder")}
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
