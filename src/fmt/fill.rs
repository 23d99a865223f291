//! Breaking a printed line whose list literal makes it too long: the
//! list's items are filled to the line width, each continuation line
//! starting under the first item, as people lay out long lists by hand.

use super::MAX_WIDTH;

/// `line`, or the lines it becomes when it is over [`MAX_WIDTH`] and holds
/// a list (`[...]`) of more than one item: its longest list is filled.
pub fn fill_lists(line: &str) -> Vec<String> {
    if line.len() <= MAX_WIDTH {
        return vec![line.to_string()];
    }
    let Some((open, close)) = longest_list(line) else {
        return vec![line.to_string()];
    };
    let items = split_items(&line[open + 1..close]);
    if items.len() < 2 {
        return vec![line.to_string()];
    }
    let indent = " ".repeat(line[..=open].chars().count());
    let mut lines = Vec::new();
    let mut current = line[..=open].to_string();
    let mut first_on_line = true;
    for (i, item) in items.iter().enumerate() {
        let last = i + 1 == items.len();
        // The last item goes with the rest of the line (`] then tier A`).
        let piece = if last {
            format!("{item}{}", &line[close..])
        } else {
            format!("{item},")
        };
        let room_needed = current.len() + usize::from(!first_on_line) + piece.len();
        if !first_on_line && room_needed > MAX_WIDTH {
            lines.push(current);
            current = format!("{indent}{piece}");
        } else {
            if !first_on_line {
                current.push(' ');
            }
            current.push_str(&piece);
        }
        first_on_line = false;
    }
    lines.push(current);
    lines
}

/// The byte range of the `[` and `]` of the longest list in `line`,
/// outside text literals.
fn longest_list(line: &str) -> Option<(usize, usize)> {
    let mut best: Option<(usize, usize)> = None;
    let mut stack = Vec::new();
    let mut in_text = false;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_text => escaped = true,
            '"' => in_text = !in_text,
            '#' if !in_text => break,
            '[' if !in_text => stack.push(i),
            ']' if !in_text => {
                if let Some(open) = stack.pop() {
                    if best.is_none_or(|(o, c)| i - open > c - o) {
                        best = Some((open, i));
                    }
                }
            }
            _ => {}
        }
    }
    best
}

/// A list's items, split at its own commas (not those in texts or in
/// nested brackets), trimmed.
fn split_items(inner: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let (mut depth, mut in_text, mut escaped, mut start) = (0usize, false, false, 0);
    for (i, c) in inner.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_text => escaped = true,
            '"' => in_text = !in_text,
            '[' | '(' if !in_text => depth += 1,
            ']' | ')' if !in_text => depth = depth.saturating_sub(1),
            ',' if !in_text && depth == 0 => {
                items.push(inner[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(inner[start..].trim());
    items.retain(|i| !i.is_empty());
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_line_stays() {
        assert_eq!(
            fill_lists("when a in [B, C] then tier A"),
            ["when a in [B, C] then tier A"]
        );
    }

    #[test]
    fn a_long_list_is_filled_under_its_first_item() {
        let items: Vec<String> = (0..30).map(|i| format!("\"item, {i}\"")).collect();
        let line = format!("when tag in [{}] then tier A", items.join(", "));
        let lines = fill_lists(&line);
        assert!(lines.len() > 2, "{lines:?}");
        assert!(lines.iter().all(|l| l.len() <= MAX_WIDTH), "{lines:?}");
        assert!(lines[1].starts_with("             \"item, "), "{lines:?}");
        assert!(lines
            .last()
            .is_some_and(|l| l.ends_with("\"item, 29\"] then tier A")));
        // Nothing lost: joined again, the line is the same.
        let joined = lines
            .iter()
            .map(|l| l.trim_start())
            .collect::<Vec<_>>()
            .join(" ");
        assert_eq!(joined, line);
    }
}
