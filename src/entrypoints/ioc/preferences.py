"""Bindings of contact preferences, and their reactions to other capabilities' events."""

from dishka import Provider, Scope, decorate, provide

from application.events import DomainEvents
from application.ports.preferences import ContactPreferenceRepository
from application.preferences.contact_preferences import RecipientContactPreferences
from application.preferences.get_preferences import GetPreferences
from application.preferences.mark_phone_opted_in import MarkPhoneOptedIn
from application.preferences.mark_phone_opted_out import MarkPhoneOptedOut
from application.preferences.update_preferences import UpdatePreferences
from domain.preferences import PhoneOptedIn, PhoneOptedOut


class PreferencesProvider(Provider):
    scope = Scope.REQUEST

    prefs = provide(RecipientContactPreferences, provides=ContactPreferenceRepository)
    get_preferences = provide(GetPreferences)
    update_preferences = provide(UpdatePreferences)
    mark_phone_opted_out = provide(MarkPhoneOptedOut)
    mark_phone_opted_in = provide(MarkPhoneOptedIn)

    @decorate
    def reactions(
        self, events: DomainEvents, mark: MarkPhoneOptedOut, unmark: MarkPhoneOptedIn
    ) -> DomainEvents:
        events.subscribe(PhoneOptedOut, mark)
        events.subscribe(PhoneOptedIn, unmark)
        return events
