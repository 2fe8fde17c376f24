"""Bindings of contact preferences."""

from dishka import Provider, Scope, provide

from adapters.sql.preferences import SqlContactPreferenceRepository
from application.ports.preferences import ContactPreferenceRepository
from application.preferences.get_preferences import GetPreferences
from application.preferences.update_preferences import UpdatePreferences


class PreferencesProvider(Provider):
    scope = Scope.REQUEST

    prefs = provide(SqlContactPreferenceRepository, provides=ContactPreferenceRepository)
    get_preferences = provide(GetPreferences)
    update_preferences = provide(UpdatePreferences)
