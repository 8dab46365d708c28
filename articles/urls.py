from django.urls import path

from articles.public import views

app_name = "articles"

urlpatterns = [
    path("", views.home, name="home"),
    path("articles/<slug:slug>/", views.article_detail, name="detail"),
    path("topics/<slug:slug>/", views.topic, name="topic"),
    path("topics/<slug:slug>/feed/", views.topic_feed, name="topic_feed"),
    path("tags/<slug:slug>/", views.tag, name="tag"),
    path("search/", views.search, name="search"),
    path("feed/", views.feed, name="feed"),
    path("sitemap.xml", views.sitemap, name="sitemap"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("editorial-policy/", views.editorial_policy, name="editorial_policy"),
    path("privacy/", views.privacy, name="privacy"),
    path("healthz", views.healthz, name="healthz"),
]
