"""Questions in other languages: detected cheaply, answered from English quotes with a note saying so."""

from assistant.answer import Answer
from assistant.language import noted, not_english


def test_not_english_questions_in_other_scripts_and_accented_latin():
    for question in ["¿Cuántos manifestantes murieron según HRANA?", "كم عدد المتظاهرين الذين قتلوا؟",
                     "根据HRANA，有多少抗议者被打死？", "Что Рубио сказал о переговорах с Ираном?"]:
        assert not_english(question), question


def test_not_english_leaves_english_questions_with_foreign_names_alone():
    for question in ["How many people died in Zürich?", "Who is Pokémon's creator?", "Rubio Iran talks?"]:
        assert not not_english(question), question


def test_noted_adds_the_english_note_to_answers_not_to_abstentions():
    answer = Answer("¿Quién ganó?", "Quill won the vote. [1]", False)
    assert noted(answer, answer.question).note == "The articles are in English, so the answer quotes them in English."
    assert noted(answer, answer.question).answer.endswith("quotes them in English.")
    abstained = Answer("¿Quién ganó?", "The articles don't say.", True)
    assert noted(abstained, abstained.question) is abstained
    assert noted(answer, "Who won?") is answer
