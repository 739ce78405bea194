"""Installing translations: clipdesk's own (resources/translations/clipdesk_<locale>.qm) and Qt's
(standard buttons and file dialogs). Switching at run time sends every widget a LanguageChange event,
which makes each pane re-translate itself."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from clipdesk.resource_files import resource_path

LANGUAGE_NAME = "clipdesk-language"  # objectName of the translators we install, to find them again


def locale_for(language: str) -> QLocale:
    """``system`` follows the user's locale (``QLocale()``, which tests can set with ``setDefault``)."""
    return QLocale() if language in ("", "system") else QLocale(language)


def apply_language(app: QCoreApplication, language: str) -> bool:
    """Replace installed translators with those for ``language``; True if clipdesk's own was found."""
    for old in app.findChildren(QTranslator, LANGUAGE_NAME):
        app.removeTranslator(old)
        old.deleteLater()
    locale = locale_for(language)
    ours = QTranslator(app)
    ours.setObjectName(LANGUAGE_NAME)
    found = ours.load(locale, "clipdesk", "_", str(resource_path("translations")))
    if found:
        app.installTranslator(ours)
    else:
        ours.deleteLater()
    qt = QTranslator(app)
    qt.setObjectName(LANGUAGE_NAME)
    if found and qt.load(locale, "qtbase", "_", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(qt)
    else:
        qt.deleteLater()
    return found
