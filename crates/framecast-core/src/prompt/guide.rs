//! What the text model is told: one system message per action, written along Google's Veo
//! prompt guide, and the person's text as the user message, unchanged.
//!
//! The guide's order is subject, action, style, camera (its position and motion), composition,
//! ambiance and light, then sound (dialogue in quotes, effects, ambient noise). It asks for
//! concrete, visual words, and for what should be there rather than what should not: Veo reads
//! "no cars" as a mention of cars. Each instruction says to answer with the result alone, so the
//! answer can be shown and accepted as it is.

use super::{Action, MAX_SHOTS};
use crate::error::Lang;
use serde_json::{Value, json};

/// The guide's elements, shared by the instructions that write prompts.
const ELEMENTS: &str = "\
A strong Veo prompt names, in this order and in concrete, visual words:
1. Subject: who or what is on screen, with the details that make it specific.
2. Action: what the subject does, and how it moves.
3. Style: the look (cinematic, documentary, animation, film stock, colour palette).
4. Camera: the shot size and angle, and any motion (static, dolly in, tracking, crane, handheld).
5. Composition: framing and what is in the foreground and background.
6. Ambiance and light: time of day, weather, light quality and direction, mood.
7. Audio: dialogue in quotation marks with who says it, sound effects, ambient sound, music.
Say what should be in the shot; never write negations such as \"no people\" or \"without text\", \
which the model reads as requests (describe an empty street instead). Keep one continuous shot \
of about eight seconds. Keep every fact the person gave; add only what makes the shot precise.";

/// The system message for `action`.
pub fn instructions(action: Action) -> String {
    match action {
        Action::Improve => format!(
            "You rewrite prompts for Veo 3.1, Google's video model, so that it renders exactly \
             the shot the person means.\n\n{ELEMENTS}\n\n\
             Write the improved prompt as one flowing paragraph of 60 to 150 words. Write it in \
             the same language as the person's prompt (a Chinese prompt stays Chinese). Answer \
             with the improved prompt alone: no title, no quotation marks around it, no notes, \
             no Markdown."
        ),
        Action::Translate { to } => {
            let (language, note) = match to.unwrap_or(Lang::En) {
                Lang::En => (
                    "English",
                    "Use the words a cinematographer would use in English for shots, lenses and \
                     camera moves.",
                ),
                Lang::Zh => (
                    "Simplified Chinese",
                    "Use the terms Chinese film crews use for shots, lenses and camera moves \
                     (for example 特写, 推镜头, 跟拍).",
                ),
            };
            format!(
                "You translate video prompts for Veo 3.1, Google's video model, into \
                 {language}. Translate faithfully: keep every detail, its order and its tone; \
                 add nothing and explain nothing. Keep dialogue in quotation marks, translated, \
                 and keep names and brands as they are. {note} Answer with the translation \
                 alone: no notes, no quotation marks around it, no Markdown."
            )
        }
        Action::Shots { count } => {
            let how_many = match count {
                Some(n) => format!("exactly {n} shots"),
                None => "the shots the idea needs, from 2 to 6".to_owned(),
            };
            format!(
                "You plan storyboards for Veo 3.1, Google's video model, which makes one clip of \
                 about eight seconds per prompt. Turn the person's idea into {how_many}, in the \
                 order they are seen, at most {MAX_SHOTS}.\n\n\
                 Each shot's prompt stands on its own, because each is generated separately: \
                 name the subject again with the same details in every shot, and keep the \
                 style, light and sound consistent across shots.\n\n{ELEMENTS}\n\n\
                 Write each prompt in the same language as the idea, as one paragraph of 40 to \
                 120 words. When a shot picks up exactly where an earlier shot ends (the same \
                 moment, continued), give that shot's number (counting from 1) as \
                 \"continues_from\"; otherwise null.\n\n\
                 Answer with JSON alone, in this shape and nothing else:\n\
                 {{\"shots\": [{{\"prompt\": \"…\", \"continues_from\": null}}, \
                 {{\"prompt\": \"…\", \"continues_from\": 1}}]}}"
            )
        }
    }
}

/// The chat messages for `action` on the person's `text`.
pub fn messages(action: Action, text: &str) -> Value {
    json!([
        {"role": "system", "content": instructions(action)},
        {"role": "user", "content": text},
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_instruction_says_what_to_answer_with() {
        let improve = instructions(Action::Improve);
        assert!(improve.contains("same language"));
        assert!(improve.contains("Camera"));
        assert!(improve.contains("never write negations"));
        assert!(instructions(Action::Translate { to: Some(Lang::En) }).contains("into English"));
        assert!(
            instructions(Action::Translate { to: Some(Lang::Zh) })
                .contains("into Simplified Chinese")
        );
        let shots = instructions(Action::Shots { count: Some(4) });
        assert!(shots.contains("exactly 4 shots") && shots.contains("continues_from"));
        let m = messages(Action::Improve, "一只纸船");
        assert_eq!(m[0]["role"], "system");
        assert_eq!(m[1], json!({"role": "user", "content": "一只纸船"}));
    }
}
