import { useSignal } from "@preact/signals";
import { REACTIONS } from "../../../src/shared/protocol";
import type { Me } from "../api";
import { ApiError, api } from "../api";
import type { Board, PostView } from "../board";
import { formatTime, t } from "../i18n";
import { type LiveRoom, newClientId } from "../live";
import { Announcements } from "./announcements";
import { notice } from "./notice";

/** The live pinboard (R-M1): post, comment, react; authors (and managers) delete. */
export function Pinboard({ board, live, me }: { board: Board; live: LiveRoom; me: Me }) {
  const draft = useSignal("");
  const pendingPosts = live.pending.value.filter((w) => w.type === "post.create");
  const submit = (e: Event) => {
    e.preventDefault();
    const body = draft.value.trim();
    if (!body) return;
    live.send({ type: "post.create", clientId: newClientId(), body });
    draft.value = "";
  };
  return (
    <section aria-label={t("pinboard")}>
      <Announcements board={board} />
      <form class="compose" onSubmit={submit}>
        <label for="new-post">{t("newPostLabel")}</label>
        <textarea
          id="new-post"
          rows={3}
          maxLength={4000}
          placeholder={t("newPostPlaceholder")}
          value={draft.value}
          onInput={(e) => (draft.value = e.currentTarget.value)}
        />
        <button type="submit">{t("publish")}</button>
      </form>
      <ul class="feed" aria-live="polite">
        {pendingPosts.map((w) => (
          <li key={w.clientId} class="post pending">
            <p class="meta">
              {me.name} · {t("sending")}
            </p>
            <p class="body">{"body" in w ? w.body : ""}</p>
          </li>
        ))}
        {board.posts.value.map((p) => (
          <PostItem key={p.id} post={p} live={live} me={me} />
        ))}
      </ul>
      {board.posts.value.length === 0 && pendingPosts.length === 0 ? <p class="empty">{t("noPosts")}</p> : null}
      {board.morePosts.value ? (
        <button type="button" class="secondary" onClick={() => void board.loadOlderPosts()}>
          {t("loadMore")}
        </button>
      ) : null}
    </section>
  );
}

const REASONS = ["spam", "offensive", "harassment", "personal-data", "illegal", "other"] as const;

function PostItem({ post, live, me }: { post: PostView; live: LiveRoom; me: Me }) {
  const comment = useSignal("");
  const reporting = useSignal(false);
  const staff = me.roles.managedBuildingIds.includes(live.buildingId);
  const mayDelete = post.authorId === me.id || staff;
  const postPath = `/api/buildings/${encodeURIComponent(live.buildingId)}/posts/${encodeURIComponent(post.id)}`;
  const report = async (e: Event) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const note = String(f.get("note") ?? "").trim();
    try {
      await api(`${postPath}/reports`, { json: { reason: f.get("reason"), ...(note ? { note } : {}) } });
      notice.value = t("reportThanks");
    } catch (err) {
      notice.value = err instanceof ApiError && err.code === "ALREADY_REPORTED" ? t("reportThanks") : t("errorGeneric");
    }
    reporting.value = false;
  };
  const setHidden = async (hidden: boolean) => {
    try {
      await api(`${postPath}/visibility`, { method: "PUT", json: { hidden } });
    } catch {
      notice.value = t("errorGeneric");
    }
  };
  const pendingComments = live.pending.value.filter((w) => w.type === "comment.create" && w.postId === post.id);
  const sendComment = (e: Event) => {
    e.preventDefault();
    const body = comment.value.trim();
    if (!body) return;
    live.send({ type: "comment.create", clientId: newClientId(), postId: post.id, body });
    comment.value = "";
  };
  const commentId = `comment-${post.id}`;
  return (
    <li class="post" data-post-id={post.id}>
      <article>
        <p class="meta">
          <span class="author">{post.authorName}</span> ·{" "}
          <time dateTime={post.createdAt}>{formatTime(post.createdAt)}</time>
          {post.editedAt ? ` · ${t("edited")}` : ""}
        </p>
        <p class="body">{post.body}</p>
        <fieldset class="reactions">
          <legend class="visually-hidden">{t("reactionsLabel")}</legend>
          {REACTIONS.map((emoji) => (
            <button
              key={emoji}
              type="button"
              class="reaction"
              onClick={() => live.send({ type: "reaction.toggle", clientId: newClientId(), postId: post.id, emoji })}
            >
              {emoji} {post.reactions[emoji] ? <span>{post.reactions[emoji]}</span> : null}
            </button>
          ))}
        </fieldset>
        {mayDelete ? (
          <button
            type="button"
            class="link"
            onClick={() => {
              if (confirm(t("deleteConfirm")))
                live.send({ type: "post.delete", clientId: newClientId(), postId: post.id });
            }}
          >
            {t("delete")}
          </button>
        ) : null}
        {post.authorId !== me.id && !staff ? (
          <button
            type="button"
            class="link"
            aria-expanded={reporting.value}
            onClick={() => (reporting.value = !reporting.value)}
          >
            {t("report")}
          </button>
        ) : null}
        {staff ? (
          <button type="button" class="link" onClick={() => void setHidden(!post.hidden)}>
            {post.hidden ? t("restore") : t("hide")}
          </button>
        ) : null}
        {post.hidden ? <p class="meta">{t("hiddenNote")}</p> : null}
        {reporting.value ? (
          <form class="compose report" onSubmit={(e) => void report(e)}>
            <label for={`reason-${post.id}`}>{t("reportReason")}</label>
            <select id={`reason-${post.id}`} name="reason">
              {REASONS.map((r) => (
                <option key={r} value={r}>
                  {t(`reason_${r}`)}
                </option>
              ))}
            </select>
            <label for={`note-${post.id}`}>{t("reportNote")}</label>
            <input id={`note-${post.id}`} name="note" maxLength={500} />
            <button type="submit">{t("reportSend")}</button>
          </form>
        ) : null}
        <h3 class="visually-hidden">{t("comments")}</h3>
        <ul class="comments">
          {post.comments.map((c) => (
            <li key={c.id}>
              <span class="author">{c.authorName}</span>: {c.body}
            </li>
          ))}
          {pendingComments.map((w) => (
            <li key={w.clientId} class="pending">
              <span class="author">{me.name}</span>: {"body" in w ? w.body : ""} ({t("sending")})
            </li>
          ))}
        </ul>
        <form class="inline-form" onSubmit={sendComment}>
          <label for={commentId} class="visually-hidden">
            {t("commentLabel")}
          </label>
          <input
            id={commentId}
            maxLength={4000}
            placeholder={t("commentPlaceholder")}
            value={comment.value}
            onInput={(e) => (comment.value = e.currentTarget.value)}
          />
          <button type="submit">{t("sendComment")}</button>
        </form>
      </article>
    </li>
  );
}
