"""``install_console(app)``: the console's pages, its stylesheet and its error pages on the API's app."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from api.console import debtors, evidence, letters, policies, receivable, receivables, reports, runs, signin, today
from api.console.paths import STATIC_PATH, is_console_path
from api.console.web import STATIC, ConsoleRefusal, SignInRequired, redirect, render

ROUTERS = (
    signin.router, today.router, receivable.router, letters.router, runs.router, evidence.router, policies.router,
    reports.router, receivables.router, debtors.router,
)  # fmt: skip

TITLES = {404: "Page introuvable", 405: "Action impossible", 413: "Fichier trop volumineux", 422: "Saisie invalide"}
DETAILS = {
    404: "Cette page ou ce dossier n'existe pas (ou plus).",
    405: "Cette adresse ne s'utilise pas ainsi : revenez à la page précédente.",
    413: "Le fichier envoyé dépasse la taille admise.",
}


def install_console(app: FastAPI) -> None:
    for router in ROUTERS:
        app.include_router(router)
    app.mount(STATIC_PATH, StaticFiles(directory=STATIC), name="console-static")

    @app.exception_handler(SignInRequired)
    async def sign_in_first(request: Request, error: SignInRequired) -> Response:
        from urllib.parse import quote

        target = "/connexion" if error.next_path == "/" else f"/connexion?suite={quote(error.next_path, safe='')}"
        return redirect(target)

    @app.exception_handler(ConsoleRefusal)
    async def refused(request: Request, error: ConsoleRefusal) -> Response:
        return render(
            request, "error.html.j2", {"title": error.title, "detail": error.detail}, status_code=error.status
        )

    def html_problem(
        request: Request, status: int, title: str, detail: str, french: str | None = None
    ) -> HTMLResponse | None:
        """The console's page for an error on one of its paths (None elsewhere); ``french``: what to say,
        when the caller knows better than the status's sentence."""
        if not is_console_path(request.url.path):
            return None
        shown = TITLES.get(status, "Erreur" if status < 500 else "Service indisponible")
        text = french or DETAILS.get(status, detail if status < 500 else "Le service est momentanément indisponible.")
        return render(request, "error.html.j2", {"title": shown, "detail": text}, status_code=status)

    app.state.html_problem = html_problem
