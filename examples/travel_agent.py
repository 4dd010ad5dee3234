"""A small travel agent, traced end to end with one line: tracefile.configure().

It asks a chat model, lets the model call a weather tool, answers, and records
the user's thumbs-up as feedback. Run it and open the result:

    python examples/travel_agent.py            # writes .runs/travel-agent.<time>.<pid>.tracy
    tracy-view .runs/travel-agent.*.tracy

``--turns N`` holds one conversation of N questions instead, in which the model
sees every earlier turn: each model call repeats the whole conversation so far,
as a chat app's do.

With no endpoint configured it talks to a built-in loopback server that speaks
the Azure AI model inference chat API. To use a real model, set:

    AZURE_AI_CHAT_ENDPOINT   e.g. https://<resource>.services.ai.azure.com/models
    AZURE_AI_CHAT_KEY        the endpoint's key
    AZURE_AI_CHAT_MODEL      a deployed model name (default gpt-4o-mini)
"""

from __future__ import annotations

import json
import os
import sys
from contextlib import ExitStack

import tracefile

QUESTIONS = [
    "I'm flying to Lisbon tomorrow. What's the weather there, and should I pack an umbrella?",
    "And what about Porto on Saturday?",
]
CITIES = ["Madrid", "Seville", "Barcelona", "Valencia", "Bilbao", "Granada", "Malaga", "Faro", "Coimbra", "Braga"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
SYSTEM_PROMPT = "You are a concise travel assistant. Use tools for facts."


def question(turn: int) -> str:
    """The ``turn``-th question of a long conversation: the two above, then more cities."""
    if turn < len(QUESTIONS):
        return QUESTIONS[turn]
    city, day = CITIES[turn % len(CITIES)], DAYS[turn % len(DAYS)]
    return f"Thanks. Now {city} on {day}: what should I wear there, and is it a good day for a walking tour?"

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather and tomorrow's forecast for a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string", "description": "City name"}},
            "required": ["city"],
        },
    },
}


@tracefile.trace(name="execute_tool get_weather")
def get_weather(city: str) -> dict:
    """The tool the model may call. A real app would ask a weather service here."""
    forecast = {"city": city, "today": "sunny, 21°C", "tomorrow": "showers, 17°C", "rain_chance": 0.7}
    tracefile.log("forecast_source", {"provider": "example-weather", "cached": False})
    return forecast


@tracefile.trace(name="invoke_agent travel-agent")
def run_agent(client, model: str, question: str) -> tuple[str, str]:
    """Ask the model, run the tool calls it makes, and return (answer, response id)."""
    from azure.ai.inference.models import SystemMessage

    return _agent_loop(client, model, [SystemMessage(SYSTEM_PROMPT)], question)


class Conversation:
    """A chat session: each question is asked with every earlier turn, as a chat app asks."""

    def __init__(self, client, model: str) -> None:
        from azure.ai.inference.models import SystemMessage

        self.client, self.model = client, model
        self.messages = [SystemMessage(SYSTEM_PROMPT)]

    @tracefile.trace(name="invoke_agent travel-agent")
    def ask(self, question: str) -> tuple[str, str]:
        return _agent_loop(self.client, self.model, self.messages, question)


def _agent_loop(client, model: str, messages: list, question: str) -> tuple[str, str]:
    """Add ``question`` to ``messages``, run the model and the tool calls it makes until it answers,
    and keep the whole exchange in ``messages``. Returns (answer, response id)."""
    from azure.ai.inference.models import AssistantMessage, ToolMessage, UserMessage

    messages.append(UserMessage(question))
    for _ in range(4):  # a bounded agent loop
        response = client.complete(messages=messages, model=model, tools=[WEATHER_TOOL])
        choice = response.choices[0]
        if not choice.message.tool_calls:
            messages.append(AssistantMessage(choice.message.content))
            return choice.message.content, response.id
        messages.append(choice.message)
        for call in choice.message.tool_calls:
            args = json.loads(call.function.arguments or "{}")
            result = get_weather(args.get("city") or "Lisbon")
            messages.append(ToolMessage(json.dumps(result), tool_call_id=call.id))
    return "I could not finish in time.", response.id


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="A small travel agent, traced with tracefile.configure().")
    parser.add_argument("--turns", type=int, default=None, help="hold one conversation of this many questions")
    args = parser.parse_args(argv)
    recording = tracefile.configure(service_name="travel-agent", content_recording=True)
    from azure.ai.inference import ChatCompletionsClient
    from azure.core.credentials import AzureKeyCredential

    with ExitStack() as stack:
        endpoint = os.environ.get("AZURE_AI_CHAT_ENDPOINT")
        key = os.environ.get("AZURE_AI_CHAT_KEY", "")
        if not endpoint:
            from tracefile.testing.loopback import ChatServer

            server = stack.enter_context(ChatServer(latency_s=0.05))
            endpoint, key = server.endpoint, "loopback-key"
            print(f"No AZURE_AI_CHAT_ENDPOINT set: using the built-in loopback model at {endpoint}")
        model = os.environ.get("AZURE_AI_CHAT_MODEL", "gpt-4o-mini")
        client = stack.enter_context(ChatCompletionsClient(endpoint=endpoint, credential=AzureKeyCredential(key)))
        if args.turns is None:
            for q in QUESTIONS:
                answer, response_id = run_agent(client, model, q)
                print(f"Q: {q}\nA: {answer}\n")
        else:
            chat = Conversation(client, model)
            for turn in range(args.turns):
                answer, response_id = chat.ask(question(turn))
            print(f"{args.turns} turns of one conversation; the last answer: {answer}")
        # The user liked the last answer.
        tracefile.record_feedback(response_id=response_id, score=1.0, label="thumbs_up", comment="Helpful, thanks!")
    recording.close()
    print(f"Trace written to {recording.path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
