"""Locust users for `bench/bench_load.py`: a quarter's reporting week over real HTTP.

Agency leads open their actions and submit progress updates; two business managers
filter and search the action list and approve updates; the PIQAG chair opens plans
and downloads the CSV export. Every other user is a lead. Every user signs in through
the login page and posts forms with their CSRF token, as a browser would.

The bench writes the users and ids into the JSON file named by BENCH_LOAD_CONFIG.
"""

import itertools
import json
import os
import random
import re

from locust import HttpUser, between, task

CONFIG = json.loads(open(os.environ["BENCH_LOAD_CONFIG"], encoding="utf-8").read())  # noqa: SIM115
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
HIDDEN_RE = re.compile(r'type="hidden" name="(version|submission_key)" value="([^"]*)"')
APPROVE_RE = re.compile(r'action="/updates/(\d+)/approve/">.*?name="version" value="(\d+)"', re.S)
PASSWORD = CONFIG["password"]
_lead_numbers = itertools.count()


def csrf_token(html: str) -> str:
    match = CSRF_RE.search(html)
    if not match:
        raise RuntimeError("No CSRF token on the page.")
    return match[1]


class SignedIn(HttpUser):
    abstract = True
    wait_time = between(0.5, 2)  # reading the page before the next click
    username = ""

    def on_start(self) -> None:
        page = self.client.get("/accounts/login/", name="login page")
        response = self.client.post(
            "/accounts/login/",
            {
                "username": self.username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": csrf_token(page.text),
            },
            name="sign in",
        )
        if "/accounts/login/" in response.url:
            raise RuntimeError(f"{self.username} could not sign in.")

    def post_form(self, url: str, data: dict, name: str):
        """Open the form (wherever the URL leads: "Report progress" on an action whose
        update is waiting opens "Change your update") and post it with its hidden fields."""
        page = self.client.get(url, name=f"{name} (form)")
        if "/updates/" not in page.url:
            return None  # sent back to the action: someone else's update is waiting
        hidden = dict(HIDDEN_RE.findall(page.text))
        return self.client.post(
            page.url, hidden | data | {"csrfmiddlewaretoken": csrf_token(page.text)}, name=name
        )


class AgencyLead(SignedIn):
    weight = 1  # every user the managers and the chair leave over

    def on_start(self) -> None:
        lead = CONFIG["leads"][next(_lead_numbers) % len(CONFIG["leads"])]
        self.username, self.actions = lead["username"], lead["actions"]
        super().on_start()

    @task(3)
    def my_actions(self) -> None:
        self.client.get("/actions/mine/", name="my actions")

    @task(3)
    def open_action(self) -> None:
        self.client.get(f"/actions/{random.choice(self.actions)}/", name="action page")

    @task(2)
    def submit_update(self) -> None:
        action = random.choice(self.actions)
        response = self.post_form(
            f"/actions/{action}/updates/new/",
            {
                "rag": random.choice(["red", "amber", "green"]),
                "progress": "Audit of ten cases done; training booked for the next quarter.",
                "next_steps": "Report to PIQAG.",
                "evidence": "",
                "proposed_target_text": "",
                "target_change_reason": "",
            },
            name="submit update",
        )
        if response is not None and f"/actions/{action}/" not in response.url:
            response.failure("The update was not accepted.")


class BusinessManager(SignedIn):
    fixed_count = 2  # a board has one or two business managers, however busy it is

    def on_start(self) -> None:
        self.username = CONFIG["manager"]
        super().on_start()

    @task(3)
    def filtered_list(self) -> None:
        rag = random.choice(["red", "amber", "green"])
        self.client.get(f"/actions/?rag={rag}&page={random.randint(1, 5)}", name="filtered list")

    @task(1)
    def search(self) -> None:
        word = random.choice(["audit", "training", "neglect", "strategy"])
        self.client.get(f"/actions/?q={word}", name="search")

    @task(2)
    def approve_one(self) -> None:
        queue = self.client.get("/updates/", name="approval queue")
        pending = APPROVE_RE.findall(queue.text)  # (update id, the version shown)
        if pending:
            update, version = random.choice(pending)
            self.client.post(
                f"/updates/{update}/approve/",
                {
                    "csrfmiddlewaretoken": csrf_token(queue.text),
                    "next": "queue",
                    "version": version,
                },
                name="approve update",
            )


class QualityChair(SignedIn):
    fixed_count = 1

    def on_start(self) -> None:
        self.username = CONFIG["chair"]
        super().on_start()

    @task(3)
    def plan_page(self) -> None:
        self.client.get(f"/plans/{random.choice(CONFIG['plans'])}/", name="plan page")

    @task(1)
    def export_csv(self) -> None:
        self.client.get(
            f"/exports/plans/{random.choice(CONFIG['plans'])}/actions.csv", name="plan CSV"
        )
