"""The login page, with failed attempts throttled."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse

from people.throttling import login_blocked, login_failed, login_succeeded


def _address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))


class LoginView(auth_views.LoginView):
    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        username = str(request.POST.get("username", ""))[:150]
        address = _address(request)
        if login_blocked(username=username, address=address):
            # refused before the password is even checked
            context = self.get_context_data(form=self.form_class(request), throttled=True)
            response = self.render_to_response(context)
            response.status_code = 429
            return response
        response = super().post(request, *args, **kwargs)
        if response.status_code == 302:
            login_succeeded(username=username, address=address)
        else:
            login_failed(username=username, address=address)
        return response
