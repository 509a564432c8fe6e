-- Prompt help: a text model on the profile's gateway improves, translates and storyboards
-- prompts. Self-contained, so it can take another number when branches meet.
--
-- `profiles.chat_model` is the text model a profile's prompt help uses; NULL: the first chat
-- model the gateway lists.
--
-- `prompt_calls` is the ledger's line for each call: when, what, which model on which gateway,
-- the tokens the gateway reported, and what they cost by the profile's per-million-token prices
-- at the time (NULL when no price was set). The person's text is not kept.
ALTER TABLE profiles ADD COLUMN chat_model TEXT;

CREATE TABLE prompt_calls (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at        INTEGER NOT NULL,
    action            TEXT NOT NULL,               -- 'improve', 'translate' or 'shots'
    model             TEXT NOT NULL,
    host              TEXT NOT NULL,
    profile_id        INTEGER,
    prompt_tokens     INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    usd               REAL
) STRICT;

CREATE INDEX prompt_calls_by_time ON prompt_calls (created_at);
