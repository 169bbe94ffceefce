"""Locust users of benchmarks/admin_load.py (run by it; not on its own).

LOAD_PLAN names a JSON file written by admin_load.py: for each user, the web server to use, the
session and CSRF cookies of a login made beforehand, and case ids the person may see. LOAD_PHASE
is "bare" (the theme's plain admin page of the case model: list and change page) or "product"
(the case list, views, search and case pages, a transition or a note now and then).
LOAD_MAX_REQUESTS stops the run after that many requests, whatever the time.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re

from locust import HttpUser, between, events, task

PLAN = json.loads(open(os.environ["LOAD_PLAN"]).read())
PHASE = os.environ.get("LOAD_PHASE", "product")
MAX_REQUESTS = int(os.environ.get("LOAD_MAX_REQUESTS", "50000"))
_people = itertools.count()
_sent = itertools.count(1)
VERSION = re.compile(r'name="version" value="(\d+)"')


@events.request.add_listener
def _bound(**_kwargs) -> None:
    if next(_sent) >= MAX_REQUESTS:
        from locust.runners import Runner

        runner: Runner | None = _bound.runner
        if runner is not None:
            runner.quit()


_bound.runner = None


@events.init.add_listener
def _init(environment, **_kwargs) -> None:
    _bound.runner = environment.runner


class Person(HttpUser):
    wait_time = between(0.5, 1.5)  # a person reading a page before the next click
    host = "http://127.0.0.1"

    def on_start(self) -> None:
        me = PLAN["people"][next(_people) % len(PLAN["people"])]
        self.client.base_url = me["server"]
        for name, value in me["cookies"].items():
            self.client.cookies.set(name, value)
        self.cases = me["cases"]
        self.role = me["role"]
        self.csrf = me["cookies"]["csrftoken"]

    def get(self, url: str, name: str):
        with self.client.get(url, name=name, catch_response=True,
                             allow_redirects=False) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
            return response

    def post(self, url: str, name: str, data: dict) -> None:
        """Post a form as the page does; its answer must be a redirect (success or refusal)."""
        with self.client.post(url, name=name, data={"csrfmiddlewaretoken": self.csrf, **data},
                              headers={"Referer": self.client.base_url + "/admin/"},
                              allow_redirects=False, catch_response=True) as response:
            if response.status_code != 302:
                response.failure(f"HTTP {response.status_code}")

    # The bare page: list and change page of the case model, in the product's proportions.
    @task(6)
    def bare_list(self) -> None:
        if PHASE == "bare":
            self.get("/bare-admin/escalations/case/", "bare: case list")
        else:
            self.get("/admin/escalations/case/", "case list")

    @task(5)
    def bare_case(self) -> None:
        case = random.choice(self.cases)
        if PHASE == "bare":
            self.get(f"/bare-admin/escalations/case/{case}/change/", "bare: case page")
        else:
            self.get(f"/admin/escalations/case/{case}/change/", "case page")

    @task(1)
    def search(self) -> None:
        if PHASE == "bare":
            self.get("/bare-admin/escalations/case/?p=2", "bare: case list, page 2")
        else:
            self.get(f"/admin/escalations/case/?q=SO-{random.randint(1, 999999)}",
                     "case list, search")

    @task(1)
    def act(self) -> None:
        """A transition (hold, then resume) or a note on a case the person may see."""
        if PHASE == "bare":
            self.get("/bare-admin/escalations/case/?o=-2", "bare: case list, sorted")
            return
        case = random.choice(self.cases)
        if random.random() < 0.5:
            self.post(f"/admin/escalations/case/{case}/note/", "add a note",
                      {"kind": "internal_note", "body": "Called the customer back."})
            return
        for name in ("hold", "resume"):
            with self.client.get(f"/admin/escalations/case/{case}/transition/{name}/",
                                 name=f"{name}: form", catch_response=True,
                                 allow_redirects=False) as page:
                # 403: not this person's to do on this case (its owner outranks them, or it is
                # not in the state for it): an answer, not an error.
                if page.status_code in (200, 403):
                    page.success()
                else:
                    page.failure(f"HTTP {page.status_code}")
                version = VERSION.search(page.text or "") if page.status_code == 200 else None
            if version is None:
                return
            self.post(f"/admin/escalations/case/{case}/transition/{name}/", f"{name}: run",
                      {"version": version.group(1), "reason": "Waiting for the warehouse"})
