"""Bindings of templates: the repository, the Jinja2 renderer (one per process, for its
cache) and the use cases."""

from dishka import Provider, Scope, from_context, provide

from adapters.jinja2.templates import JinjaTemplateRenderer
from adapters.sql.direct_pool import DirectPool
from adapters.sql.templates import PostgresTemplateReader, SqlTemplateRepository
from application.ports.templates import TemplateReader, TemplateRenderer, TemplateRepository
from application.templates.delete_locale import DeleteTemplateLocale
from application.templates.delete_template import DeleteTemplate
from application.templates.get_template import GetTemplate
from application.templates.list_templates import ListTemplates
from application.templates.render_template import RenderTemplate
from application.templates.save_locale import SaveTemplateLocale
from application.templates.save_template import SaveTemplate
from domain.templates import TemplateLimits
from entrypoints.settings import TemplatesSettings


class TemplatesProvider(Provider):
    scope = Scope.REQUEST

    settings = from_context(provides=TemplatesSettings, scope=Scope.APP)

    @provide(scope=Scope.APP)
    def limits(self, settings: TemplatesSettings) -> TemplateLimits:
        return TemplateLimits(
            max_part_bytes=settings.max_bytes,
            max_rendered_bytes=settings.max_rendered_bytes,
            max_steps=settings.max_steps,
        )

    @provide(scope=Scope.APP)
    def renderer(self, limits: TemplateLimits, settings: TemplatesSettings) -> TemplateRenderer:
        return JinjaTemplateRenderer(limits, settings.cache_size)

    templates = provide(SqlTemplateRepository, provides=TemplateRepository)

    @provide
    def reader(self, reads: DirectPool | None, templates: TemplateRepository) -> TemplateReader:
        # The direct pool is open exactly on PostgreSQL (ioc.infrastructure).
        return templates if reads is None else PostgresTemplateReader(reads)

    save_template = provide(SaveTemplate)
    get_template = provide(GetTemplate)
    list_templates = provide(ListTemplates)
    delete_template = provide(DeleteTemplate)
    save_locale = provide(SaveTemplateLocale)
    delete_locale = provide(DeleteTemplateLocale)
    render_template = provide(RenderTemplate)
