from django.urls import path

from .views import account, actions, boards, people, plans, updates

app_name = "actionplans"

urlpatterns = [
    path("", plans.plan_list, name="plan_list"),
    path("plans/new/", plans.plan_create, name="plan_create"),
    path("plans/<slug:slug>/", plans.plan_detail, name="plan_detail"),
    path("plans/<slug:slug>/edit/", plans.plan_edit, name="plan_edit"),
    path("plans/<slug:slug>/themes/new/", plans.theme_form, name="theme_create"),
    path("plans/<slug:slug>/themes/<int:pk>/edit/", plans.theme_form, name="theme_edit"),
    path("plans/<slug:slug>/objectives/new/", plans.objective_form, name="objective_create"),
    path(
        "plans/<slug:slug>/objectives/<int:pk>/edit/",
        plans.objective_form,
        name="objective_edit",
    ),
    path("plans/<slug:slug>/actions/new/", actions.action_create, name="action_create"),
    path("actions/", actions.action_list, name="action_list"),
    path("actions/mine/", actions.my_actions, name="my_actions"),
    path("actions/<int:pk>/", actions.action_detail, name="action_detail"),
    path("actions/<int:pk>/edit/", actions.action_edit, name="action_edit"),
    path("actions/<int:pk>/history/", actions.action_history, name="action_history"),
    path("actions/<int:pk>/comments/", actions.comment_add, name="comment_add"),
    path("actions/<int:pk>/updates/new/", updates.update_submit, name="update_submit"),
    path("updates/", updates.approval_queue, name="approval_queue"),
    path("updates/<int:pk>/edit/", updates.update_edit, name="update_edit"),
    path("updates/<int:pk>/approve/", updates.update_approve, name="update_approve"),
    path("updates/<int:pk>/return/", updates.update_return, name="update_return"),
    path("account/session/", account.session_status, name="session_status"),
    path("account/two-factor/", account.two_factor_account, name="two_factor"),
    path("account/two-factor/set-up/", account.two_factor_setup, name="two_factor_setup"),
    path("account/two-factor/code/", account.two_factor_verify, name="two_factor_verify"),
    path("people/", people.people_list, name="people_list"),
    path("people/<slug:board_slug>/new/", people.person_add, name="person_add"),
    path("people/roles/<int:pk>/edit/", people.membership_edit, name="membership_edit"),
    path("people/roles/<int:pk>/remove/", people.membership_remove, name="membership_remove"),
    path("people/roles/<int:pk>/sign-up-link/", people.sign_up_link, name="sign_up_link"),
    path("reviews/", boards.review_list, name="review_list"),
    path("reviews/new/", boards.review_form, name="review_create"),
    path("reviews/<int:pk>/", boards.review_detail, name="review_detail"),
    path("reviews/<int:pk>/edit/", boards.review_form, name="review_edit"),
    path("reviews/<int:review_pk>/findings/new/", boards.finding_form, name="finding_create"),
    path(
        "reviews/<int:review_pk>/findings/<int:pk>/edit/",
        boards.finding_form,
        name="finding_edit",
    ),
    path("agencies/", boards.agency_list, name="agency_list"),
    path("agencies/new/", boards.agency_form, name="agency_create"),
    path("agencies/<int:pk>/edit/", boards.agency_form, name="agency_edit"),
]
